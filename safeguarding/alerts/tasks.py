"""Beat tasks of the alerts, each run in every school's own schema (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name

from safeguarding.alerts import services


class NoSchool(RuntimeError):
    """A school's task was run without a school: it must never guess one."""


def _in_a_school(task: str) -> None:
    if connection.schema_name == get_public_schema_name():
        raise NoSchool(f"{task} runs in a school's schema, and was sent without one.")


@shared_task(name="alerts.escalate")
def escalate() -> int:
    """Alerts to the DSL on duty that no DSL has acknowledged in time move on."""
    _in_a_school("alerts.escalate")
    return services.escalate_due()


@shared_task(name="alerts.remind_overdue")
def remind_overdue() -> int:
    """Overdue actions remind their assignee, then the DSLs."""
    _in_a_school("alerts.remind_overdue")
    return services.remind_overdue()


@shared_task(name="alerts.send_digests")
def send_digests() -> int:
    """The daily digest for those who asked for one."""
    _in_a_school("alerts.send_digests")
    return services.send_digests()
