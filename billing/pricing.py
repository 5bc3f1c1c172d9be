"""How money is computed: pure functions on Decimal, no database. A line is rounded to the
penny on its own; VAT is worked out once on the invoice's net total (as UK invoices do)."""

from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
MONTHS_IN_YEAR = 12


def to_pennies(amount: Decimal) -> Decimal:
    """Rounded half-up to the penny: 0.005 becomes 0.01."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def days_billed(month: datetime.date, joined: datetime.date) -> int:
    """Days of `month` the school was with us: all of them if it joined before the month,
    from the day it joined (counted) to the last day if it joined during it, else none."""
    last = month_end(month)
    if joined > last:
        return 0
    if joined < month:
        return last.day
    return last.day - joined.day + 1


def monthly_charge(
    *,
    pupils: int,
    annual_price_per_pupil: Decimal,
    minimum_annual_charge: Decimal,
    month: datetime.date,
    joined: datetime.date,
) -> Decimal:
    """max(pupils x annual price, minimum) / 12, pro-rated by days for a school that joined
    during the month, rounded once at the end so no fraction is lost on the way."""
    annual = max(pupils * annual_price_per_pupil, minimum_annual_charge)
    days = days_billed(month, joined)
    in_month = month_end(month).day
    # One division, so the only rounding is the final one.
    return to_pennies(annual * days / (MONTHS_IN_YEAR * in_month))


def vat_on(net: Decimal, rate: Decimal) -> Decimal:
    """VAT on an invoice's net total, rounded half-up to the penny."""
    return to_pennies(net * rate)


def pounds(amount: Decimal) -> str:
    """£1,234.56: how money is written on pages, in messages and on invoices."""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def parse_amount(text: str) -> Decimal | None:
    """What an operator typed as money ("1,234.56", "£12.50", "12") as Decimal, or None
    when it is not a number at all; whether the amount is acceptable is the service's."""
    cleaned = str(text or "").strip().removeprefix("£").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
