"""Money as £1,234.56, and the billing panel on a school's console page."""

from __future__ import annotations

from decimal import Decimal

from django import template

from billing import selectors
from billing.pricing import pounds

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    return "—" if amount is None else pounds(Decimal(amount))


@register.filter
def percent(rate: Decimal) -> str:
    """A rate such as 0.2000 as 20%."""
    return f"{(Decimal(rate) * 100).normalize():f}%"


@register.simple_tag
def school_billing(school) -> selectors.SchoolBilling:
    """The school's plan, payer, contact, invoices and read-only holds. The console's
    school page (console.views.school) is not billing's, so its panel reads them here,
    through billing.selectors."""
    return selectors.school_billing(school)
