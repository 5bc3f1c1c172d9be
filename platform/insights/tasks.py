"""Celery tasks of the insights: the beat job that queues refreshes of changed schools (in
the public schema), the refresh of one school (in that school's schema), and the nightly
mark that refreshes every school for what time alone changes."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name

from insights import services


class NoSchool(RuntimeError):
    """A school's task was run without a school: it must never guess one."""


@shared_task(name="insights.queue_refreshes")
def queue_refreshes() -> int:
    """Beat, in the public schema: a refresh task for each school with pending changes."""
    return len(services.queue_refreshes())


@shared_task(name="insights.refresh_school")
def refresh_school() -> bool:
    """Recompute the facts of the school this task was sent to, if it has changes."""
    school = services.current_school()
    if school is None or connection.schema_name == get_public_schema_name():
        raise NoSchool(
            "insights.refresh_school runs in a school's schema, and was sent without one."
        )
    return services.refresh(school)


@shared_task(name="insights.mark_all_changed")
def mark_all_changed() -> int:
    """Nightly, in the public schema: every school is refreshed once through the queue."""
    return services.mark_all_changed()
