"""Who is on duty when: the school's weekly DSL rota, its cover overrides and its closures,
read once per policy version (the rota's tables advance it) and asked about in Python.

A moment is in school hours when it is not on a closure day and at least one rota slot
holds it. Its duty chain is those slots' DSLs in order of position, each replaced by
whoever covers for them then, after anyone covering for no one: the first is the DSL on
duty, the second is who an unacknowledged alert escalates to. Out of hours an alert goes
to every DSL."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.alerts.models import AlertSettings, Closure, DutyCover, DutySlot


@dataclass(frozen=True)
class Rota:
    slots: list[DutySlot]
    covers: list[DutyCover]
    closures: list[Closure]
    escalate_after: datetime.timedelta


@dataclass(frozen=True)
class Duty:
    in_hours: bool
    # Users' ids, the DSL on duty first; empty out of hours.
    chain: tuple[int, ...]


def school_rota(viewer: Viewer) -> Rota:
    """The rota as `viewer`'s request saw the school's policy version: no query while the
    version stands. Covers and closures that ended before yesterday cannot matter again."""
    return policy.kept_for(viewer, "rota", _load)


def _load() -> Rota:
    since = timezone.localdate() - datetime.timedelta(days=1)
    return Rota(
        slots=list(DutySlot.objects.all()),
        covers=list(DutyCover.objects.filter(date__gte=since)),
        closures=list(Closure.objects.filter(last_day__gte=since)),
        escalate_after=escalate_after(),
    )


def escalate_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=AlertSettings.current().escalate_after_minutes)


def duty_at(rota: Rota, moment: datetime.datetime) -> Duty:
    local = timezone.localtime(moment)
    day, time = local.date(), local.time()
    if any(closure.first_day <= day <= closure.last_day for closure in rota.closures):
        return Duty(in_hours=False, chain=())
    slots = sorted(
        (s for s in rota.slots if s.weekday == day.weekday() and s.starts <= time < s.ends),
        key=lambda slot: (slot.position, slot.pk),
    )
    if not slots:
        return Duty(in_hours=False, chain=())
    covers = [c for c in rota.covers if c.date == day and c.starts <= time < c.ends]
    replaced = {c.covering_for_id: c.user_id for c in covers if c.covering_for_id}
    chain = [c.user_id for c in covers if not c.covering_for_id]
    chain += [replaced.get(slot.user_id, slot.user_id) for slot in slots]
    return Duty(in_hours=True, chain=tuple(dict.fromkeys(chain)))
