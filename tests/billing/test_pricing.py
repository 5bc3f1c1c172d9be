"""How a month's charge is worked out: per-pupil price or the minimum, a twelfth of it,
pro-rated by days in a joining month, each line rounded half-up to the penny."""

from __future__ import annotations

import datetime
from decimal import Decimal

from billing.pricing import days_billed, monthly_charge, to_pennies, vat_on

NOV = datetime.date(2026, 11, 1)  # 30 days


def _charge(pupils: int, joined: datetime.date = datetime.date(2020, 1, 1), **prices) -> Decimal:
    return monthly_charge(
        pupils=pupils,
        annual_price_per_pupil=prices.get("price", Decimal("4.00")),
        minimum_annual_charge=prices.get("minimum", Decimal("600.00")),
        month=NOV,
        joined=joined,
    )


def test_a_full_month_is_a_twelfth_of_pupils_times_the_annual_price():
    assert _charge(1000) == Decimal("333.33")  # 4000 / 12 = 333.333...


def test_the_minimum_applies_when_the_roll_is_small():
    assert _charge(10) == Decimal("50.00")  # max(40, 600) / 12
    assert _charge(0) == Decimal("50.00")


def test_a_line_is_rounded_half_up_to_the_penny():
    # 3 x 2.01 = 6.03 a year; / 12 = 0.5025 -> 0.50; 5 x 2.01 / 12 = 0.8375 -> 0.84
    assert _charge(3, price=Decimal("2.01"), minimum=Decimal("0")) == Decimal("0.50")
    assert _charge(5, price=Decimal("2.01"), minimum=Decimal("0")) == Decimal("0.84")
    assert to_pennies(Decimal("0.005")) == Decimal("0.01")
    assert to_pennies(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67


def test_joining_on_the_first_pays_the_whole_month():
    assert days_billed(NOV, datetime.date(2026, 11, 1)) == 30
    assert _charge(1200, joined=datetime.date(2026, 11, 1)) == Decimal("400.00")


def test_joining_on_the_last_day_pays_one_day():
    assert days_billed(NOV, datetime.date(2026, 11, 30)) == 1
    assert _charge(1200, joined=datetime.date(2026, 11, 30)) == Decimal("13.33")  # 400 / 30


def test_joining_mid_month_pays_from_the_joining_day():
    assert days_billed(NOV, datetime.date(2026, 11, 16)) == 15
    assert _charge(1200, joined=datetime.date(2026, 11, 16)) == Decimal("200.00")
    # February in a leap year has 29 days: 4800 / 12 * 10 / 29 = 137.931... -> 137.93
    assert monthly_charge(
        pupils=1200,
        annual_price_per_pupil=Decimal("4.00"),
        minimum_annual_charge=Decimal("0"),
        month=datetime.date(2028, 2, 1),
        joined=datetime.date(2028, 2, 20),
    ) == Decimal("137.93")


def test_joining_after_the_month_pays_nothing_for_it():
    assert days_billed(NOV, datetime.date(2026, 12, 1)) == 0
    assert _charge(1200, joined=datetime.date(2026, 12, 1)) == Decimal("0.00")


def test_vat_is_worked_out_on_the_net_total_not_per_line():
    lines = [Decimal("0.84"), Decimal("0.84"), Decimal("0.84")]
    per_line = sum(vat_on(line, Decimal("0.2")) for line in lines)  # 0.17 x 3 = 0.51
    assert vat_on(sum(lines), Decimal("0.2")) == Decimal("0.50")  # 2.52 x 0.2 = 0.504
    assert per_line == Decimal("0.51")
    assert vat_on(Decimal("0.025"), Decimal("0.2")) == Decimal("0.01")  # 0.005 rounds up
