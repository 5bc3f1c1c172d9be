"""What billing's console pages and API read: invoices with what is left to pay, plans, and
one school's billing. Public-schema tables only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.dunning import payer_emails
from billing.errors import InvalidMonth
from billing.models import BillingContact, CreditNote, Invoice, Payment, Plan, Subscription
from billing.services import parse_month, payer_of
from tenants.models import School

OVERDUE = "overdue"
STATUSES = [*Invoice.Status.choices, (OVERDUE, "Overdue")]
_MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class InvoiceFilters:
    month: datetime.date | None = None
    status: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_query(cls, query) -> InvoiceFilters:
        """?month=YYYY-MM and ?status= (issued, paid, credited or overdue); a malformed
        month is an error to show, an unknown status is ignored."""
        month, errors = None, {}
        if text := query.get("month", "").strip():
            try:
                month = parse_month(text)
            except InvalidMonth as error:
                errors["month"] = [error.message]
        status = query.get("status", "")
        return cls(month=month, status=status if status in dict(STATUSES) else "", errors=errors)


def _summed(model) -> Coalesce:
    total = (
        model.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=_MONEY), Value(Decimal("0.00")), output_field=_MONEY
    )


def _with_balance(found: QuerySet[Invoice], today: datetime.date) -> QuerySet[Invoice]:
    """Each invoice with `credited_total`, `paid_total`, `owed`, `credit_left` (what a
    credit note may still take) and `is_overdue` (issued and past its due date)."""
    return found.annotate(credited_total=_summed(CreditNote), paid_total=_summed(Payment)).annotate(
        owed=F("gross") - F("credited_total") - F("paid_total"),
        credit_left=F("gross") - F("credited_total"),
        is_overdue=Case(
            When(status=Invoice.Status.ISSUED, due_on__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def invoices(
    filters: InvoiceFilters | None = None, *, today: datetime.date | None = None
) -> QuerySet[Invoice]:
    """Invoices, newest number first, with their balance, for the list and the API."""
    filters = filters or InvoiceFilters()
    today = today or timezone.localdate()
    found = Invoice.objects.select_related("school", "trust").order_by("-number")
    if filters.month:
        found = found.filter(month=filters.month)
    if filters.status == OVERDUE:
        found = found.filter(status=Invoice.Status.ISSUED, due_on__lt=today)
    elif filters.status:
        found = found.filter(status=filters.status)
    return _with_balance(found, today)


def invoice_by_number(number: str, *, today: datetime.date | None = None) -> Invoice | None:
    """One invoice with its lines, payments, credit notes and dunning, for its page."""
    return (
        _with_balance(
            Invoice.objects.select_related("school", "trust"), today or timezone.localdate()
        )
        .prefetch_related(
            "lines__school",
            "payments",
            "credit_notes",
            "dunning_notices",
            "read_only_holds__school",
        )
        .filter(number=str(number or "").strip().upper())
        .first()
    )


def plans() -> QuerySet[Plan]:
    return Plan.objects.annotate(schools=Count("subscriptions")).order_by("name")


@dataclass(frozen=True)
class SchoolBilling:
    """One school's billing, for the panel on its console page."""

    school: School
    plan: Plan | None
    payer: str  # Subscription.Payer, or what the next run would choose
    has_subscription: bool
    contact: str  # the payer's billing contact, "" when none
    reminders_to: list[str]  # where reminders would go now
    invoices: list[Invoice]
    holds: list[str]  # numbers of the invoices holding it read-only
    plans: list[Plan]
    payers: list[tuple[str, str]]


def current_payer(school: School) -> str:
    """Who pays for `school` now (Subscription.Payer)."""
    return payer_of(school, Subscription.objects.filter(school=school).first())


def school_billing(school: School, *, limit: int = 12) -> SchoolBilling:
    subscription = Subscription.objects.select_related("plan").filter(school=school).first()
    payer = payer_of(school, subscription)
    pays_by_trust = payer == Subscription.Payer.TRUST and school.trust_id
    owner = {"trust_id": school.trust_id} if pays_by_trust else {"school_id": school.pk}
    contact = BillingContact.objects.filter(**owner).values_list("email", flat=True).first()
    covering = invoices().filter(lines__school=school).distinct()[:limit]
    found = list(covering)
    reminders_to = [contact] if contact else []
    if not contact and pays_by_trust:
        reminders_to = payer_emails(Invoice(trust_id=school.trust_id))
    return SchoolBilling(
        school=school,
        plan=subscription.plan if subscription else Plan.objects.filter(is_default=True).first(),
        payer=payer,
        has_subscription=subscription is not None,
        contact=contact or "",
        reminders_to=reminders_to,
        invoices=found,
        holds=list(
            school.read_only_holds.filter(ended_at__isnull=True)
            .order_by("invoice__number")
            .values_list("invoice__number", flat=True)
        ),
        plans=list(Plan.objects.order_by("name")),
        payers=[
            (value, label)
            for value, label in Subscription.Payer.choices
            if value == Subscription.Payer.SCHOOL or school.trust_id
        ],
    )


def payments(*, invoice_number: str = "", limit: int = 500) -> QuerySet[Payment]:
    """Payments, newest first; one invoice's when a number is given."""
    found = Payment.objects.select_related("invoice").order_by("-received_on", "-pk")
    if invoice_number:
        found = found.filter(invoice__number=invoice_number.strip().upper())
    return found[:limit]


def credit_notes(*, invoice_number: str = "", limit: int = 500) -> QuerySet[CreditNote]:
    """Credit notes, newest first; one invoice's when a number is given."""
    found = CreditNote.objects.select_related("invoice").order_by("-number")
    if invoice_number:
        found = found.filter(invoice__number=invoice_number.strip().upper())
    return found[:limit]


def billed_months() -> QuerySet:
    """Each month billed so far: how many invoices and their total, newest first."""
    return (
        Invoice.objects.order_by()
        .values("month")
        .annotate(invoices=Count("pk"), gross=Sum("gross"))
        .order_by("-month")
    )
