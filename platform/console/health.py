"""Each school's size and activity, counted inside its schema and stored in
console.SchoolHealth: counts and one time, never a name or anything recorded."""

from __future__ import annotations

import datetime
import logging

from django.db.models import Max, Sum
from django.utils import timezone

from console.models import SchoolHealth
from tenants.models import School
from tenants.selectors import schools_with_schemas
from tenants.services import in_public_schema

logger = logging.getLogger(__name__)


def measure(school: School) -> SchoolHealth:
    """Count `school`'s roll, staff accounts, stored bytes and recent incidents, and when
    anyone last did anything there (its audit log's newest entry), and keep the counts."""
    from accounts.models import User
    from billing.usage import count_pupils_on_roll
    from safeguarding.audit.models import AuditEvent
    from safeguarding.concerns.models import Attachment, Incident
    from safeguarding.transfers.models import TransferredFile

    now = timezone.now()
    pupils = count_pupils_on_roll(school, on=timezone.localdate())
    with school:
        staff = User.objects.filter(is_active=True).count()
        stored = (Attachment.objects.aggregate(total=Sum("size"))["total"] or 0) + (
            TransferredFile.objects.aggregate(total=Sum("size"))["total"] or 0
        )
        recent = Incident.objects.filter(recorded_at__gte=now - datetime.timedelta(days=30)).count()
        last = AuditEvent.objects.aggregate(last=Max("occurred_at"))["last"]
    with in_public_schema():
        health, _ = SchoolHealth.objects.update_or_create(
            school=school,
            defaults={
                "pupils_on_roll": pupils,
                "staff_accounts": staff,
                "storage_bytes": stored,
                "incidents_last_30_days": recent,
                "last_activity_at": last,
                "measured_at": now,
            },
        )
    return health


def measure_all() -> int:
    """Measure every school that still has a schema; how many were measured. One school
    that cannot be measured is logged (by schema and the error's class, never its message,
    which may quote a row) and skipped, so the others' counts stay fresh."""
    measured = 0
    for school in schools_with_schemas():
        try:
            measure(school)
        except Exception as error:
            logger.error(
                "Could not measure the health of %s: %s", school.schema_name, type(error).__name__
            )
            continue
        measured += 1
    return measured
