"""Billing's writes: the monthly billing run, invoice numbering, credit notes and payments.
Each payer's invoice is issued in a transaction of its own."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.errors import CreditTooLarge, InvalidAmount, InvalidMonth, NoRateInForce
from billing.models import (
    CreditNote,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    Payment,
    Plan,
    Subscription,
    UsageSnapshot,
    VatRate,
)
from billing.pricing import month_end, monthly_charge, to_pennies, vat_on
from billing.usage import count_pupils_on_roll
from tenants.models import School, Trust

PAYMENT_TERMS_DAYS = 30
INVOICES = "invoice"
CREDIT_NOTES = "credit_note"
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass
class BillingRunResult:
    month: datetime.date
    snapshots_taken: int = 0
    invoices_issued: list[str] = field(default_factory=list)  # their numbers
    already_invoiced: int = 0  # payers skipped because their invoice for the month exists


def parse_month(text: str) -> datetime.date:
    """'2026-11' as the first day of that month; anything else is refused."""
    matched = _MONTH.fullmatch(text.strip())
    if not matched or not 1 <= int(matched[2]) <= 12 or int(matched[1]) < 2000:
        raise InvalidMonth(f"The month must be written YYYY-MM, such as 2026-11, not {text!r}.")
    return datetime.date(int(matched[1]), int(matched[2]), 1)


def billing_run(*, month: datetime.date) -> BillingRunResult:
    """Snapshot every billable school's roll for `month`, then issue one invoice per payer.
    Running it again for the same month issues nothing new: a payer whose invoice for the
    month exists is skipped (and the database refuses a second one)."""
    if month.day != 1:
        raise InvalidMonth("A billing month is given by its first day.")
    result = BillingRunResult(month=month)
    last_day = month_end(month)
    schools = [
        school
        for school in School.objects.filter(
            status=School.Status.ACTIVE, training_of__isnull=True
        ).select_related("trust")
        if timezone.localdate(school.created) <= last_day
    ]
    by_payer: dict[tuple[str, int], list[tuple[School, Subscription, UsageSnapshot]]]
    by_payer = defaultdict(list)
    for school in schools:
        snapshot, taken = _snapshot(school, month)
        result.snapshots_taken += taken
        subscription = _subscription(school)
        if subscription.payer == Subscription.Payer.TRUST and school.trust_id:
            by_payer[("trust", school.trust_id)].append((school, subscription, snapshot))
        else:
            by_payer[("school", school.pk)].append((school, subscription, snapshot))
    for (kind, _payer_id), charged in sorted(by_payer.items()):
        invoice = _issue_invoice(
            month=month,
            school=charged[0][0] if kind == "school" else None,
            trust=charged[0][0].trust if kind == "trust" else None,
            charged=charged,
        )
        if invoice is None:
            result.already_invoiced += 1
        else:
            result.invoices_issued.append(invoice.number)
    return result


def _snapshot(school: School, month: datetime.date) -> tuple[UsageSnapshot, bool]:
    """The month's snapshot, taken now unless it was taken before (it is never retaken)."""
    existing = UsageSnapshot.objects.filter(school=school, month=month).first()
    if existing is not None:
        return existing, False
    pupils = count_pupils_on_roll(school, on=month_end(month))
    return UsageSnapshot.objects.get_or_create(
        school=school, month=month, defaults={"pupils": pupils}
    )


def _subscription(school: School) -> Subscription:
    """The school's subscription; a school without one is put on the default plan, paid for
    by its trust when it has one."""
    try:
        return school.subscription
    except Subscription.DoesNotExist:
        pass
    payer = Subscription.Payer.TRUST if school.trust_id else Subscription.Payer.SCHOOL
    subscription, _ = Subscription.objects.get_or_create(
        school=school, defaults={"plan": Plan.objects.get(is_default=True), "payer": payer}
    )
    return subscription


def _issue_invoice(
    *,
    month: datetime.date,
    school: School | None,
    trust: Trust | None,
    charged: list[tuple[School, Subscription, UsageSnapshot]],
) -> Invoice | None:
    """One payer's invoice for the month, or None when it already has one. The counter is
    locked before the check, so two runs at once queue here and the second sees the
    first's invoice."""
    with transaction.atomic():
        counter = DocumentCounter.objects.select_for_update().get(series=INVOICES)
        payer = {"school": school} if school is not None else {"trust": trust}
        if Invoice.objects.filter(month=month, **payer).exists():
            return None
        issued_on = timezone.localdate()
        rate = vat_rate_on(issued_on)
        lines = [
            InvoiceLine(
                school=each,
                description=f"{each.name}: {subscription.plan.name}, {month:%B %Y}",
                pupils=snapshot.pupils,
                amount=monthly_charge(
                    pupils=snapshot.pupils,
                    annual_price_per_pupil=subscription.plan.annual_price_per_pupil,
                    minimum_annual_charge=subscription.plan.minimum_annual_charge,
                    month=month,
                    joined=timezone.localdate(each.created),
                ),
            )
            for each, subscription, snapshot in sorted(charged, key=lambda c: c[0].name)
        ]
        net = sum((line.amount for line in lines), Decimal("0.00"))
        vat = vat_on(net, rate)
        invoice = Invoice.objects.create(
            number=_next_number(counter),
            customer_name=(school or trust).name,
            month=month,
            issued_on=issued_on,
            due_on=issued_on + datetime.timedelta(days=PAYMENT_TERMS_DAYS),
            net=net,
            vat_rate=rate,
            vat=vat,
            gross=net + vat,
            **payer,
        )
        for line in lines:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(lines)
        return invoice


def _next_number(counter: DocumentCounter) -> str:
    """The next number in a series whose row the caller has locked in its transaction."""
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{counter.prefix}{counter.last_number:06d}"


def vat_rate_on(day: datetime.date) -> Decimal:
    """The VAT rate in force on `day`, from the rate table."""
    rate = VatRate.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if rate is None:
        raise NoRateInForce(f"No VAT rate is recorded for {day:%d %B %Y}.")
    return rate.rate


def issue_credit_note(*, invoice_number: str, amount: Decimal, reason: str) -> CreditNote:
    """A credit note against an invoice, for no more than what is left of it (its gross
    less earlier credit notes). Refused whole, with nothing written, otherwise."""
    _check_amount(amount)
    with transaction.atomic():
        # The invoice's row first, then the counter: the same order as nothing else needs,
        # but two credit notes on one invoice queue on the invoice.
        invoice = Invoice.objects.select_for_update().get(number=invoice_number)
        left = invoice.gross - invoice.credited()
        if amount > left:
            raise CreditTooLarge(
                f"A credit note of £{amount} is more than the £{left} left of {invoice.number}."
            )
        counter = DocumentCounter.objects.select_for_update().get(series=CREDIT_NOTES)
        note = CreditNote.objects.create(
            number=_next_number(counter),
            invoice=invoice,
            amount=amount,
            reason=reason,
            issued_on=timezone.localdate(),
        )
        _update_status(invoice)
        return note


def record_payment(
    *,
    invoice_number: str,
    amount: Decimal,
    received_on: datetime.date,
    recorded_by: str,
    reference: str = "",
    method: str = Payment.Method.BANK_TRANSFER,
) -> Payment:
    """Money received against an invoice; the invoice is paid once payments and credit
    notes cover its gross."""
    _check_amount(amount)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(number=invoice_number)
        payment = Payment.objects.create(
            invoice=invoice,
            amount=amount,
            received_on=received_on,
            method=method,
            reference=reference,
            recorded_by=recorded_by,
        )
        _update_status(invoice)
        return payment


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or amount <= 0 or to_pennies(amount) != amount:
        raise InvalidAmount(f"An amount must be positive pounds and pence, not {amount}.")


def _update_status(invoice: Invoice) -> None:
    credited = invoice.credited()
    if credited >= invoice.gross:
        status = Invoice.Status.CREDITED
    elif credited + invoice.paid() >= invoice.gross:
        status = Invoice.Status.PAID
    else:
        status = Invoice.Status.ISSUED
    if status != invoice.status:
        invoice.status = status
        invoice.save(update_fields=["status"])
