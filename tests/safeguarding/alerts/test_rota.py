"""Who is on duty at a moment: the weekly rota, covers and closures (alerts.rota.duty_at)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from safeguarding.alerts.models import Closure, DutyCover, DutySlot
from safeguarding.alerts.rota import Rota, duty_at

MONDAY = datetime.date(2026, 11, 23)
ANNE, BEN, CARA = 101, 102, 103


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _rota(*, slots=(), covers=(), closures=()) -> Rota:
    return Rota(
        slots=list(slots),
        covers=list(covers),
        closures=list(closures),
        escalate_after=datetime.timedelta(minutes=15),
    )


def _slot(pk, user, *, weekday=0, starts=8, ends=16, position=1) -> DutySlot:
    return DutySlot(pk=pk, weekday=weekday, starts=datetime.time(starts),
                    ends=datetime.time(ends), user_id=user, position=position)  # fmt: skip


WEEKDAY_ROTA = [_slot(1, ANNE, position=1), _slot(2, BEN, position=2)]


def test_in_school_hours_the_chain_follows_the_rota_positions():
    duty = duty_at(_rota(slots=reversed(WEEKDAY_ROTA)), _at(MONDAY, 9))
    assert duty.in_hours and duty.chain == (ANNE, BEN)


def test_a_moment_no_slot_holds_is_out_of_hours():
    rota = _rota(slots=WEEKDAY_ROTA)
    assert not duty_at(rota, _at(MONDAY, 7, 59)).in_hours
    assert not duty_at(rota, _at(MONDAY, 16)).in_hours  # a slot ends where the next begins
    assert not duty_at(rota, _at(MONDAY + datetime.timedelta(days=1), 9)).in_hours
    assert duty_at(rota, _at(MONDAY, 8)).in_hours


def test_a_cover_takes_the_place_of_the_dsl_it_covers_for_only_on_its_date_and_times():
    cover = DutyCover(date=MONDAY, starts=datetime.time(10), ends=datetime.time(12),
                      user_id=CARA, covering_for_id=ANNE)  # fmt: skip
    rota = _rota(slots=WEEKDAY_ROTA, covers=[cover])
    assert duty_at(rota, _at(MONDAY, 11)).chain == (CARA, BEN)
    assert duty_at(rota, _at(MONDAY, 12)).chain == (ANNE, BEN)
    assert duty_at(rota, _at(MONDAY + datetime.timedelta(days=7), 11)).chain == (ANNE, BEN)


def test_a_cover_for_no_one_leads_the_chain_and_can_open_hours_the_rota_does_not_have():
    cover = DutyCover(date=MONDAY, starts=datetime.time(9), ends=datetime.time(18),
                      user_id=CARA, covering_for_id=None)  # fmt: skip
    rota = _rota(slots=WEEKDAY_ROTA, covers=[cover])
    assert duty_at(rota, _at(MONDAY, 10)).chain == (CARA, ANNE, BEN)
    # After the rota's hours a lone cover is not school hours: there is no slot.
    assert not duty_at(rota, _at(MONDAY, 17)).in_hours


def test_a_closure_is_out_of_hours_all_day_whatever_the_rota_says():
    closure = Closure(first_day=MONDAY, last_day=MONDAY + datetime.timedelta(days=4),
                      name="Half term")  # fmt: skip
    rota = _rota(slots=WEEKDAY_ROTA, closures=[closure])
    assert duty_at(rota, _at(MONDAY, 9)) == duty_at(rota, _at(MONDAY, 3))
    assert not duty_at(rota, _at(MONDAY, 9)).in_hours
    assert duty_at(rota, _at(MONDAY + datetime.timedelta(days=7), 9)).in_hours


def test_the_same_dsl_twice_in_a_chain_is_asked_once():
    rota = _rota(slots=[_slot(1, ANNE), _slot(2, ANNE, position=2), _slot(3, BEN, position=3)])
    assert duty_at(rota, _at(MONDAY, 9)).chain == (ANNE, BEN)


def test_the_rota_is_read_in_the_schools_time_zone():
    # 08:30 in London on a summer Monday is 07:30 UTC: on duty, by the school's clock.
    summer_monday = datetime.date(2026, 6, 1)
    moment = datetime.datetime(2026, 6, 1, 7, 30, tzinfo=datetime.UTC)
    assert duty_at(_rota(slots=WEEKDAY_ROTA), moment).in_hours
    assert summer_monday.weekday() == 0
