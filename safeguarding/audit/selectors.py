"""Reads of a school's audit log for its safeguarding team: a search by member of staff and
dates, and everything that touched one child's file. Newest first."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.audit.models import AuditEvent
from safeguarding.errors import NotFound


def may_read_audit_log(viewer: Viewer) -> bool:
    """The safeguarding team only (full + admin), as DESIGN.md section 5 gives them audit."""
    return policy.may_manage_school(viewer)


def search_audit_log(
    viewer: Viewer,
    *,
    email: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """Events by the member of staff with this email (or typed as it, for failed sign-ins),
    between two school-calendar days inclusive; any of them may be left out."""
    _require_reader(viewer)
    events = AuditEvent.objects.order_by("-seq")
    if email.strip():
        events = events.filter(actor_label=email.strip().lower())
    if since:
        events = events.filter(occurred_at__gte=_start_of(since))
    if until:
        events = events.filter(occurred_at__lt=_start_of(until + datetime.timedelta(days=1)))
    return events


def pupil_audit_trail(viewer: Viewer, pupil_id: int) -> QuerySet[AuditEvent]:
    """Who viewed, downloaded from or changed this child's file."""
    _require_reader(viewer)
    if not policy.visible_pupils(viewer).filter(pk=pupil_id).exists():
        raise NotFound("No such pupil.")
    return AuditEvent.objects.filter(pupil_id=pupil_id).order_by("-seq")


def _require_reader(viewer: Viewer) -> None:
    # Not found rather than forbidden, like every other restricted thing.
    if not may_read_audit_log(viewer):
        raise NotFound("No such page.")


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
