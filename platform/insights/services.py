"""Keeping the facts current: rebuilding a school's facts (or all of them) from its records,
and the refresh of the schools whose records changed.

A change that can move a fact writes an `insights.Change` row in the school's own
transaction (triggers, concerns migration 0005). Every REFRESH_INTERVAL beat runs
`queue_refreshes` in the public schema: one query finds the changed schools, and each gets
a refresh task in its own schema. A task lost with Redis or a worker leaves its changes
pending, and they are queued again after REQUEUE_AFTER, so a change is never lost; the
refresh deletes the changes it saw in the transaction that writes the facts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from insights import facts
from insights.models import Change, Refresh
from tenants.models import School

logger = logging.getLogger(__name__)

# How often beat looks for changed schools; with the refresh itself, a change shows in
# the facts well within a minute.
REFRESH_INTERVAL = timedelta(seconds=10)
# A school queued this long ago and still not refreshed is queued again: its task was lost.
REQUEUE_AFTER = timedelta(seconds=60)
# At most this many schools queued per look; the rest wait for the next one.
QUEUE_BATCH = 5000


class UnknownSchool(LookupError):
    """No school has that slug."""


def rebuild(school: School) -> None:
    """Compute the school's facts from its records again and replace its rows with them,
    whatever is pending: a rebuild leaves exactly the facts its records give."""
    facts.refresh_school(school, only_if_changed=False)


def rebuild_all(progress: Callable[[School, int, int], None] | None = None) -> int:
    """Rebuild every school's facts, one school (one transaction) at a time, telling
    `progress(school, done, total)` after each. Returns how many schools were rebuilt."""
    schools = list(facts.schools_with_facts())
    for done, school in enumerate(schools, start=1):
        rebuild(school)
        if progress is not None:
            progress(school, done, len(schools))
    return len(schools)


def school_by_slug(slug: str) -> School:
    try:
        return School.objects.get(slug=slug)
    except School.DoesNotExist:
        raise UnknownSchool(f"No school has the slug {slug!r}.") from None


def refresh(school: School) -> bool:
    """Refresh the school's facts if it has pending changes: what the worker runs for a
    changed school. Returns whether its facts were computed."""
    return facts.refresh_school(school, only_if_changed=True)


def queue_refreshes(*, now: datetime | None = None) -> list[School]:
    """Queue a refresh task for every school with pending changes that has none queued (or
    whose queued one is older than REQUEUE_AFTER, and so was lost). Returns those schools.

    Oldest first: the schools are taken in the order of their oldest pending change. One
    query over the pending changes (and one for those schools), whatever the number of
    schools: beat runs this in the public schema every REFRESH_INTERVAL."""
    now = now or timezone.now()
    with schema_context(get_public_schema_name()), transaction.atomic():
        waiting = Refresh.objects.filter(queued_at__gt=now - REQUEUE_AFTER).values("school")
        # The schools whose oldest pending change is oldest go first, so a busy batch
        # never starves the others (whatever their ids).
        oldest = (
            Change.objects.exclude(school__in=waiting)
            .values("school")
            .annotate(oldest=Min("changed_at"))
            .order_by("oldest", "school")
            .values_list("school", flat=True)[:QUEUE_BATCH]
        )
        ids = list(oldest)
        schools = School.objects.in_bulk(ids)
        due = [schools[pk] for pk in ids if pk in schools]
        # Changes of a school deleted since (no constraint ties them to one) have nothing
        # to refresh: dropped, so they never hold a place in the batch.
        gone = [pk for pk in ids if pk not in schools]
        if gone:
            Change.objects.filter(school_id__in=gone).delete()
        Refresh.objects.bulk_create(
            [Refresh(school=school, queued_at=now) for school in due],
            update_conflicts=True,
            unique_fields=["school"],
            update_fields=["queued_at"],
        )
    for school in due:
        _send_refresh(school)
    return due


def mark_all_changed() -> int:
    """Every school's facts are due a refresh: for what time alone moves (a month's end, an
    action falling overdue, a pupil's leaving date coming), run nightly. The refreshes go
    through the queue like any change, so they spread over the workers."""
    with schema_context(get_public_schema_name()):
        schools = list(facts.schools_with_facts().values_list("pk", flat=True))
        Change.objects.bulk_create([Change(school_id=pk) for pk in schools])
    return len(schools)


def _send_refresh(school: School) -> None:
    """Send the school's refresh task, to run in its schema. A refused publish (Redis down)
    is left to REQUEUE_AFTER: the changes stay pending, and nothing is lost."""
    from insights.tasks import refresh_school  # the tasks module imports this one

    try:
        refresh_school.apply_async(headers={"_schema_name": school.schema_name})
    except Exception as exc:
        logger.warning(
            "The refresh of school %s was not queued (%s); it is queued again later.",
            school.schema_name,
            type(exc).__name__,
        )


def current_school() -> School | None:
    """The school whose schema the connection is on, or None in the public schema."""
    if connection.schema_name in (get_public_schema_name(), None):
        return None
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, School) and tenant.pk is not None:
        return tenant
    return School.objects.get(schema_name=connection.schema_name)
