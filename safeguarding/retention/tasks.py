"""The daily retention job, run in every school's own schema (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from safeguarding.alerts.tasks import _in_a_school
from safeguarding.retention import services


@shared_task(name="retention.nightly")
def nightly() -> dict[str, int]:
    """Purge what DSLs confirmed, then list what has fallen due for their review."""
    _in_a_school("retention.nightly")
    return services.nightly()
