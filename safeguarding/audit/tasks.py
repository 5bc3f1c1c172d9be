"""The nightly check of each school's audit log (Celery beat runs it in every school's
schema), which also moves the school's anchor forward so that cutting entries off the end
is noticed at the next check."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection

from safeguarding.audit.verify import verify_and_anchor

logger = logging.getLogger(__name__)


@shared_task(name="audit.verify_log")
def verify_log() -> bool:
    report = verify_and_anchor(connection.tenant)
    if not report.intact:
        logger.error("The audit log is broken at entry %s: %s", report.broken_at, report.problem)
    return report.intact
