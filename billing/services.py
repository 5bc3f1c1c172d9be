"""Billing's writes: the monthly billing run, invoice numbering, credit notes, payments,
plans and subscriptions. Each payer's invoice is issued in a transaction of its own; every
other write is one transaction with its audit entry (console.audit), and a refusal changes
nothing and is audited too."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone

from billing import dunning
from billing.errors import (
    BillingError,
    CreditTooLarge,
    InvalidAmount,
    InvalidMonth,
    InvalidPayment,
    InvalidPlan,
    InvalidSubscription,
    NoRateInForce,
    Overpayment,
    ReasonRequired,
    UnknownInvoice,
)
from billing.models import (
    BillingContact,
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
from billing.payments import provider
from billing.pricing import month_end, monthly_charge, pounds, to_pennies, vat_on
from billing.usage import count_pupils_on_roll
from console import audit
from console.audit import Act
from tenants.models import School, Trust

PAYMENT_TERMS_DAYS = 30
INVOICES = "invoice"
CREDIT_NOTES = "credit_note"
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Ten digits of pounds: what the money columns hold.
TOO_LARGE = Decimal("10000000000")


@dataclass
class BillingRunResult:
    month: datetime.date
    snapshots_taken: int = 0
    invoices_issued: list[str] = field(default_factory=list)  # their numbers
    already_invoiced: int = 0  # payers skipped because their invoice for the month exists

    @property
    def summary(self) -> str:
        """What the run did, in one sentence an operator can act on."""
        label = f"{self.month:%B %Y}"
        if not self.invoices_issued:
            return (
                f"{label}: nothing new was issued; {self.already_invoiced} payer(s) already "
                "had their invoice for the month."
            )
        return (
            f"{label}: {len(self.invoices_issued)} invoice(s) issued "
            f"({self.invoices_issued[0]} to {self.invoices_issued[-1]}), "
            f"{self.already_invoiced} payer(s) already invoiced."
        )


def parse_month(text: str) -> datetime.date:
    """'2026-11' as the first day of that month; anything else is refused."""
    matched = _MONTH.fullmatch(str(text or "").strip())
    if not matched or not 1 <= int(matched[2]) <= 12 or int(matched[1]) < 2000:
        raise InvalidMonth(f"The month must be written YYYY-MM, such as 2026-11, not {text!r}.")
    return datetime.date(int(matched[1]), int(matched[2]), 1)


def billing_run(*, month: datetime.date | str, by: Any) -> BillingRunResult:
    """Snapshot every billable school's roll for `month`, then issue one invoice per payer.
    Running it again for the same month issues nothing new: a payer whose invoice for the
    month exists is skipped (and the database refuses a second one). `by` is the operator,
    or "haven cli" for the command."""
    subject = month if isinstance(month, str) else f"{month:%Y-%m}"
    try:
        month = parse_month(month) if isinstance(month, str) else month
        if month.day != 1:
            raise InvalidMonth("A billing month is given by its first day.")
        # Checked before anything is written, so a missing rate or plan refuses the run whole.
        vat_rate_on(timezone.localdate())
        default_plan = _default_plan()
    except BillingError as refused:
        audit.record(by=by, act=Act.BILLING_RUN, subject=subject, reason=refused.message,
                     refused=True)  # fmt: skip
        raise
    result = BillingRunResult(month=month)
    try:
        _run(result, default_plan)
    except Exception:
        # The invoices issued so far stay (each in its own transaction); a rerun finishes.
        audit.record(
            by=by, act=Act.BILLING_RUN, subject=subject, refused=True,
            reason="Stopped by an error; run it again to issue the rest.", detail=_counts(result),
        )  # fmt: skip
        raise
    audit.record(by=by, act=Act.BILLING_RUN, subject=subject, detail=_counts(result))
    return result


def _counts(result: BillingRunResult) -> dict:
    return {
        "issued": len(result.invoices_issued),
        "already_invoiced": result.already_invoiced,
        "snapshots_taken": result.snapshots_taken,
        "first": result.invoices_issued[0] if result.invoices_issued else None,
        "last": result.invoices_issued[-1] if result.invoices_issued else None,
    }


def _run(result: BillingRunResult, default_plan: Plan) -> None:
    month = result.month
    last_day = month_end(month)
    schools = [
        school
        for school in School.objects.filter(
            status=School.Status.ACTIVE, training_of__isnull=True
        ).select_related("trust", "subscription__plan")
        if timezone.localdate(school.created) <= last_day
    ]
    taken = {s.school_id: s for s in UsageSnapshot.objects.filter(month=month)}
    by_payer: dict[tuple[str, int], list[tuple[School, Subscription, UsageSnapshot]]]
    by_payer = defaultdict(list)
    for school in schools:
        snapshot = taken.get(school.pk)
        if snapshot is None:
            snapshot, fresh = _snapshot(school, month)
            result.snapshots_taken += fresh
        subscription = _subscription(school, default_plan)
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


def _snapshot(school: School, month: datetime.date) -> tuple[UsageSnapshot, bool]:
    """The month's snapshot, taken now unless it was taken before (it is never retaken)."""
    pupils = count_pupils_on_roll(school, on=month_end(month))
    return UsageSnapshot.objects.get_or_create(
        school=school, month=month, defaults={"pupils": pupils}
    )


def _default_plan() -> Plan:
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        raise InvalidPlan("No plan is marked as the default, so new schools have no price.")
    return plan


def _subscription(school: School, default_plan: Plan) -> Subscription:
    """The school's subscription; a school without one is put on the default plan, paid for
    by its trust when it has one."""
    try:
        return school.subscription
    except Subscription.DoesNotExist:
        pass
    payer = Subscription.Payer.TRUST if school.trust_id else Subscription.Payer.SCHOOL
    subscription, _ = Subscription.objects.get_or_create(
        school=school, defaults={"plan": default_plan, "payer": payer}
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
            supplier_name=settings.CONFIG.supplier_name,
            supplier_address=settings.CONFIG.supplier_address,
            supplier_vat_number=settings.CONFIG.supplier_vat_number,
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


def issue_credit_note(*, invoice_number: str, amount: Decimal, reason: str, by: Any) -> CreditNote:
    """A credit note against an invoice, for no more than what is left of it (its gross
    less earlier credit notes). Refused whole, with nothing written, otherwise."""
    try:
        _check_amount(amount)
        reason = _reason(reason, "Say why the credit note is issued.")
        with transaction.atomic():
            # The invoice's row first, then the counter: two credit notes on one invoice
            # queue on the invoice.
            invoice = _locked_invoice(invoice_number)
            left = invoice.gross - invoice.credited()
            if amount > left:
                raise CreditTooLarge(
                    f"A credit note of {pounds(amount)} is more than the {pounds(left)} left "
                    f"of {invoice.number}."
                )
            counter = DocumentCounter.objects.select_for_update().get(series=CREDIT_NOTES)
            note = CreditNote.objects.create(
                number=_next_number(counter),
                invoice=invoice,
                amount=amount,
                reason=reason,
                issued_on=timezone.localdate(),
            )
            audit.record(
                by=by, act=Act.CREDIT_NOTE_ISSUED, school=invoice.school, trust=invoice.trust,
                subject=invoice.number, reason=reason,
                detail={"credit_note": note.number, "amount": str(amount)},
            )  # fmt: skip
            _update_status(invoice, by=by)
            return note
    except BillingError as refused:
        audit_refusal(by=by, act=Act.CREDIT_NOTE_ISSUED, invoice_number=invoice_number,
                       refused=refused, amount=amount)  # fmt: skip
        raise


def record_payment(
    *,
    invoice_number: str,
    amount: Decimal,
    received_on: datetime.date,
    by: Any,
    reference: str = "",
    method: str = "bank_transfer",
) -> Payment:
    """Money received against an invoice, through the provider named `method` (use
    billing.payments rather than calling this directly). Never more than is still owed:
    an overpayment is refused whole, to be recorded as what is owed and the rest refunded
    outside Haven. The invoice is paid once payments and credit notes cover its gross."""
    try:
        _check_amount(amount)
        method = provider(method).name
        if not isinstance(received_on, datetime.date):
            raise InvalidPayment("Give the day the money was received.", field="received_on")
        if received_on > timezone.localdate():
            raise InvalidPayment(
                "A payment cannot have been received after today.", field="received_on"
            )
        reference = " ".join(str(reference or "").split())
        if len(reference) > 100:
            raise InvalidPayment("A reference is at most 100 characters.", field="reference")
        with transaction.atomic():
            invoice = _locked_invoice(invoice_number)
            owed = invoice.gross - invoice.credited() - invoice.paid()
            if owed <= 0:
                raise Overpayment(f"Nothing is owed on {invoice.number}: it is settled.")
            if amount > owed:
                raise Overpayment(
                    f"A payment of {pounds(amount)} is more than the {pounds(owed)} still "
                    f"owed on {invoice.number}. Record {pounds(owed)} and refund the rest."
                )
            payment = Payment.objects.create(
                invoice=invoice,
                amount=amount,
                received_on=received_on,
                method=method,
                reference=reference,
                recorded_by=getattr(by, "email", None) or str(by),
            )
            audit.record(
                by=by, act=Act.PAYMENT_RECORDED, school=invoice.school, trust=invoice.trust,
                subject=invoice.number,
                detail={"amount": str(amount), "method": method, "received_on": str(received_on)},
            )  # fmt: skip
            _update_status(invoice, by=by)
            return payment
    except BillingError as refused:
        audit_refusal(by=by, act=Act.PAYMENT_RECORDED, invoice_number=invoice_number,
                       refused=refused, amount=amount)  # fmt: skip
        raise


def create_plan(
    *,
    code: str,
    name: str,
    annual_price_per_pupil: Decimal | None,
    minimum_annual_charge: Decimal | None,
    by: Any,
) -> Plan:
    """A new price list. Prices are data: a change of price is a new plan that schools are
    moved to, so an issued invoice's plan never changes under it."""
    code = str(code or "").strip().lower()
    try:
        try:
            validate_slug(code)
        except ValidationError:
            raise InvalidPlan(
                "A plan's code is letters, numbers and hyphens, such as standard-2027.",
                field="code",
            ) from None
        if len(code) > 40:
            raise InvalidPlan("A plan's code is at most 40 characters.", field="code")
        name = " ".join(str(name or "").split())
        if not name or len(name) > 100:
            raise InvalidPlan("Give the plan a name of up to 100 characters.", field="name")
        for field_name, price in (
            ("annual_price_per_pupil", annual_price_per_pupil),
            ("minimum_annual_charge", minimum_annual_charge),
        ):
            if (
                not isinstance(price, Decimal)
                or not price.is_finite()
                or price < 0
                or price >= TOO_LARGE
                or to_pennies(price) != price
            ):
                raise InvalidPlan(
                    "A price is pounds and pence of zero or more, such as 4.00.", field=field_name
                )
        with transaction.atomic():
            if Plan.objects.select_for_update().filter(code=code).exists():
                raise InvalidPlan(f"A plan with the code {code!r} exists already.", field="code")
            plan = Plan.objects.create(
                code=code,
                name=name,
                annual_price_per_pupil=annual_price_per_pupil,
                minimum_annual_charge=minimum_annual_charge,
            )
            audit.record(
                by=by, act=Act.PLAN_CREATED, subject=code,
                detail={"annual_price_per_pupil": str(annual_price_per_pupil),
                        "minimum_annual_charge": str(minimum_annual_charge)},
            )  # fmt: skip
            return plan
    except BillingError as refused:
        audit.record(by=by, act=Act.PLAN_CREATED, subject=code, reason=refused.message,
                     refused=True)  # fmt: skip
        raise


def change_subscription(
    *,
    school: School,
    plan_code: str,
    payer: str,
    by: Any,
    billing_email: str | None = None,
) -> Subscription:
    """A school's plan and who pays for it, from the next billing run on (issued invoices
    keep what they say). `billing_email`, when given, is where the payer's reminders go:
    the school's own contact, or its trust's when the trust pays; "" removes it. It is
    applied only when this call leaves the payer as it was: the form shows the old payer's
    contact, so switching a school to trust billing must not copy the school's address onto
    the trust (or, left blank, delete the trust's); both contacts stay as they were."""
    try:
        plan = Plan.objects.filter(code=str(plan_code or "").strip()).first()
        if plan is None:
            raise InvalidPlan(f"There is no plan {plan_code!r}.", field="plan")
        if payer not in Subscription.Payer.values:
            raise InvalidSubscription("Say who pays: the school or its trust.", field="payer")
        if payer == Subscription.Payer.TRUST and not school.trust_id:
            raise InvalidSubscription(
                f"{school.name} is not in a trust, so it pays for itself.", field="payer"
            )
        if billing_email is not None:
            billing_email = billing_email.strip().lower()
            if billing_email:
                try:
                    validate_email(billing_email)
                except ValidationError:
                    raise InvalidSubscription(
                        "The billing contact must be an email address.", field="billing_email"
                    ) from None
        with transaction.atomic():
            before = Subscription.objects.select_for_update().filter(school=school).first()
            subscription, _ = Subscription.objects.update_or_create(
                school=school, defaults={"plan": plan, "payer": payer}
            )
            contact = "unchanged"
            if billing_email is not None and payer_of(school, before) != payer:
                contact = "unchanged: the payer changed"
            elif billing_email is not None:
                contact = _set_contact(school=school, payer=payer, email=billing_email)
            audit.record(
                by=by, act=Act.SUBSCRIPTION_CHANGED, school=school, subject=plan.code,
                detail={
                    "plan": [before.plan.code if before else None, plan.code],
                    "payer": [before.payer if before else None, payer],
                    "billing_contact": contact,
                },
            )  # fmt: skip
            return subscription
    except BillingError as refused:
        audit.record(by=by, act=Act.SUBSCRIPTION_CHANGED, school=school,
                     subject=str(plan_code or "")[:40], reason=refused.message,
                     refused=True)  # fmt: skip
        raise


def payer_of(school: School, subscription: Subscription | None = None) -> str:
    """Who pays for `school` now: its subscription's payer, or what the next run would
    choose without one (its trust when it has one)."""
    if subscription is not None:
        return subscription.payer
    return Subscription.Payer.TRUST if school.trust_id else Subscription.Payer.SCHOOL


def _set_contact(*, school: School, payer: str, email: str) -> str:
    """The payer's billing contact set to `email` ("" removes it): the trust's when the
    trust pays, else the school's own."""
    owner = {"trust": school.trust} if payer == Subscription.Payer.TRUST else {"school": school}
    if not email:
        removed, _ = BillingContact.objects.filter(**owner).delete()
        return "removed" if removed else "unchanged"
    BillingContact.objects.update_or_create(
        **owner, defaults={"email": email, "updated": timezone.now()}
    )
    return f"set for the {payer}"


def _locked_invoice(number: str) -> Invoice:
    invoice = (
        Invoice.objects.select_for_update().filter(number=str(number or "").strip().upper()).first()
    )
    if invoice is None:
        raise UnknownInvoice(f"No invoice is numbered {number}.")
    return invoice


def _reason(text: str, missing: str) -> str:
    reason = " ".join(str(text or "").split())
    if not reason:
        raise ReasonRequired(missing)
    if len(reason) > 500:
        raise ReasonRequired("A reason is at most 500 characters.")
    return reason


def audit_refusal(
    *, by: Any, act: str, invoice_number: str, refused: BillingError, amount: Any
) -> None:
    """A refused write on an invoice, recorded after its transaction rolled back (or before
    one began)."""
    number = str(invoice_number or "").strip().upper()
    invoice = Invoice.objects.filter(number=number).select_related("school", "trust").first()
    audit.record(
        by=by, act=act, school=invoice.school if invoice else None,
        trust=invoice.trust if invoice else None, subject=number[:40], reason=refused.message,
        detail={"amount": str(amount)}, refused=True,
    )  # fmt: skip


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal):
        raise InvalidAmount("Give the amount in pounds and pence, such as 120.00.")
    if not amount.is_finite() or amount <= 0:
        raise InvalidAmount(f"An amount must be positive pounds and pence, not {amount}.")
    if amount >= TOO_LARGE:
        raise InvalidAmount("That amount is too large.")
    if to_pennies(amount) != amount:
        raise InvalidAmount(f"An amount must be positive pounds and pence, not {amount}.")


def _update_status(invoice: Invoice, *, by: Any) -> None:
    """Paid once payments and credit notes cover the gross, credited once credit notes do;
    an invoice settled ends the read-only holds it had on its schools."""
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
    if status != Invoice.Status.ISSUED:
        dunning.end_holds(
            invoice, by=by, reason=f"{invoice.number} {invoice.get_status_display().lower()}"
        )
