"""Dunning: what happens, day by day, to an invoice left unpaid after its due date.

Reminders go to the payer at each of HAVEN_DUNNING_REMINDER_DAYS days overdue (7 and 21 by
default); at HAVEN_DUNNING_READ_ONLY_DAYS (45) the schools the invoice covers become
read-only (billing.read_only): staff still read everything and still record new concerns,
nothing else changes until the invoice is paid or credited, or an operator lifts it.
Nothing is ever deleted. Each step is taken once per invoice, so the daily run is
idempotent; emails carry the invoice's number, amounts and due date, never a pupil's data.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from billing.errors import BillingError, NotReadOnly, ReasonRequired
from billing.models import BillingContact, DunningNotice, Invoice, ReadOnlyHold
from billing.pricing import pounds
from console import audit
from console.audit import Act
from tenants.models import School
from trusts.models import TrustLead

logger = logging.getLogger(__name__)
SYSTEM = "haven"


@dataclass
class DunningResult:
    today: datetime.date
    reminders: list[str] = field(default_factory=list)  # "INV-000001 (7 days)"
    made_read_only: list[str] = field(default_factory=list)  # school slugs
    emailed: int = 0
    not_emailed: int = 0  # the payer has no billing contact
    failed: int = 0  # the mail server refused; tried again by the next run


def run_dunning(
    *,
    today: datetime.date | None = None,
    reminder_days: tuple[int, ...] | None = None,
    read_only_days: int | None = None,
) -> DunningResult:
    """Take the step each overdue invoice has reached on `today` and has not taken yet,
    each invoice in its own transaction, then send the emails (and any an earlier run
    could not send)."""
    today = today or timezone.localdate()
    steps = tuple(sorted(reminder_days or settings.CONFIG.dunning_reminder_days))
    threshold = read_only_days or settings.CONFIG.dunning_read_only_days
    result = DunningResult(today=today)
    overdue = Invoice.objects.filter(status=Invoice.Status.ISSUED, due_on__lt=today)
    sent: set[int] = set()
    for invoice_id in overdue.order_by("number").values_list("pk", flat=True):
        notice = _take_step(invoice_id, today, steps, threshold, result)
        if notice is not None:
            _send(notice, result)
            sent.add(notice.pk)
    unsent = (
        DunningNotice.objects.filter(sent_at__isnull=True, invoice__status=Invoice.Status.ISSUED)
        .exclude(sent_to="")
        .exclude(pk__in=sent)
        .select_related("invoice")
    )
    for notice in unsent:
        _send(notice, result)
    return result


def _take_step(
    invoice_id: int,
    today: datetime.date,
    steps: tuple[int, ...],
    threshold: int,
    result: DunningResult,
) -> DunningNotice | None:
    with transaction.atomic():
        # Locked, so a payment recorded at the same moment is seen before any step.
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("school", "trust")
            .get(pk=invoice_id)
        )
        if invoice.status != Invoice.Status.ISSUED:
            return None
        days = (today - invoice.due_on).days
        taken = list(invoice.dunning_notices.values_list("kind", "days_overdue"))
        if days >= threshold:
            if any(kind == DunningNotice.Kind.READ_ONLY for kind, _ in taken):
                return None
            notice = _notice(invoice, DunningNotice.Kind.READ_ONLY, threshold, today)
            for school in schools_of(invoice):
                if _hold(invoice, school, days):
                    result.made_read_only.append(school.slug)
            return notice
        reached = [step for step in steps if step <= days]
        if not reached or any(
            kind == DunningNotice.Kind.REMINDER and step >= reached[-1] for kind, step in taken
        ):
            return None
        notice = _notice(invoice, DunningNotice.Kind.REMINDER, reached[-1], today)
        audit.record(
            by=SYSTEM, act=Act.DUNNING_REMINDER_SENT, school=invoice.school, trust=invoice.trust,
            subject=invoice.number,
            detail={"days_overdue": reached[-1], "emailed": bool(notice.sent_to)},
        )  # fmt: skip
        result.reminders.append(f"{invoice.number} ({reached[-1]} days)")
        return notice


def _notice(invoice: Invoice, kind: str, days: int, today: datetime.date) -> DunningNotice:
    return DunningNotice.objects.create(
        invoice=invoice,
        kind=kind,
        days_overdue=days,
        on=today,
        sent_to=", ".join(payer_emails(invoice))[:1000],
    )


def _hold(invoice: Invoice, school: School, days: int) -> bool:
    """The invoice holds `school` read-only; True when that made the school read-only. The
    school row is locked first, so a payment or a lift ending its other holds at the same
    moment sees this hold before it clears the flag."""
    School.objects.select_for_update().get(pk=school.pk)
    _, created = ReadOnlyHold.objects.get_or_create(invoice=invoice, school=school)
    if not created:
        return False
    made = School.objects.filter(pk=school.pk, billing_read_only_since__isnull=True).update(
        billing_read_only_since=timezone.now()
    )
    audit.record(
        by=SYSTEM, act=Act.READ_ONLY_IMPOSED, school=school, subject=invoice.number,
        reason=f"{invoice.number} is {days} days overdue.", detail={"days_overdue": days},
    )  # fmt: skip
    return bool(made)


def schools_of(invoice: Invoice) -> list[School]:
    """The schools an invoice charges for: its own school, or each school on a trust's."""
    return [line.school for line in invoice.lines.select_related("school").order_by("school")]


def payer_emails(invoice: Invoice) -> list[str]:
    """Where the payer's reminders go: its billing contact; for a trust without one, its
    trust leads. A school without a contact gets none (the console shows it)."""
    owner = (
        {"school_id": invoice.school_id} if invoice.school_id else {"trust_id": invoice.trust_id}
    )
    contact = BillingContact.objects.filter(**owner).first()
    if contact is not None:
        return [contact.email]
    if invoice.trust_id:
        return sorted(
            TrustLead.objects.filter(trust_id=invoice.trust_id, user__is_active=True).values_list(
                "user__email", flat=True
            )
        )
    return []


def _send(notice: DunningNotice, result: DunningResult) -> None:
    if not notice.sent_to:
        result.not_emailed += 1
        return
    try:
        reminder_email(notice).send()
    except (smtplib.SMTPException, OSError):
        # Left unsent: the next daily run tries again.
        logger.exception("Dunning email for %s could not be sent", notice.invoice.number)
        result.failed += 1
        return
    DunningNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    result.emailed += 1


def reminder_email(notice: DunningNotice) -> EmailMessage:
    """The email for a step: the invoice's number, amounts, due date and the schools it
    covers, and what read-only means. Nothing else."""
    invoice = notice.invoice
    owed = invoice.gross - invoice.credited() - invoice.paid()
    schools = ", ".join(school.name for school in schools_of(invoice)) or invoice.customer_name
    supplier = invoice.supplier_name or settings.CONFIG.supplier_name
    facts = (
        f"Invoice {invoice.number} from {supplier} to {invoice.customer_name}, for "
        f"{pounds(invoice.gross)} including VAT, was due on {invoice.due_on:%-d %B %Y}. "
        f"It is {notice.days_overdue} days overdue and {pounds(owed)} is still owed."
    )
    if notice.kind == DunningNotice.Kind.READ_ONLY:
        subject = f"Haven invoice {invoice.number}: access is now read-only"
        body = (
            f"{facts}\n\nHaven is now read-only for: {schools}. Staff can still sign in, read "
            "every record and record new concerns: safeguarding does not stop. Other changes "
            "are paused until the invoice is paid. Nothing has been or will be deleted.\n\n"
            f"Please pay by bank transfer quoting {invoice.number}; full access returns as "
            "soon as the payment is recorded.\n"
        )
    else:
        threshold = settings.CONFIG.dunning_read_only_days
        subject = f"Haven invoice {invoice.number}: payment overdue"
        body = (
            f"{facts}\n\nPlease pay by bank transfer quoting {invoice.number}. If you have "
            "paid in the last few days, thank you, and please ignore this reminder.\n\n"
            f"If it is still unpaid {threshold} days after it was due, Haven becomes read-only "
            f"for {schools}: staff can still read every record, record new concerns and follow "
            "them up, but nothing else can be changed until it is paid. Nothing is ever deleted.\n"
        )
    return EmailMessage(
        subject=subject, body=body, to=[a.strip() for a in notice.sent_to.split(",")]
    )


def end_holds(invoice: Invoice, *, by: Any, reason: str) -> list[School]:
    """An invoice settled (paid or credited): it holds none of its schools any more, and a
    school held by no other invoice gets full access back. Called in the caller's
    transaction; returns the schools given back full access."""
    held = list(
        ReadOnlyHold.objects.select_for_update()
        .filter(invoice=invoice, ended_at__isnull=True)
        .values_list("school_id", flat=True)
    )
    if not held:
        return []
    ReadOnlyHold.objects.filter(invoice=invoice, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=audit.who(by), end_reason=reason[:500]
    )
    released = []
    for school in School.objects.select_for_update().filter(
        pk__in=held, billing_read_only_since__isnull=False
    ):
        if school.read_only_holds.filter(ended_at__isnull=True).exists():
            continue
        # An update, not save(): django-tenants refuses to save a school from another
        # school's schema, and this may run wherever the caller's connection is.
        School.objects.filter(pk=school.pk).update(billing_read_only_since=None)
        school.billing_read_only_since = None
        audit.record(by=by, act=Act.READ_ONLY_LIFTED, school=school, subject=invoice.number,
                     reason=reason)  # fmt: skip
        released.append(school)
    return released


def lift_read_only(*, school: School, reason: str, by: Any) -> School:
    """An operator gives a read-only school full access back (a payment promised, a
    dispute): every open hold on it ends, and the invoices that held it never hold it
    again; a later invoice that falls as far overdue can."""
    try:
        reason = " ".join(str(reason or "").split())
        if not reason:
            raise ReasonRequired("Say why read-only access is lifted.")
        with transaction.atomic():
            locked = School.objects.select_for_update().get(pk=school.pk)
            if locked.billing_read_only_since is None:
                raise NotReadOnly(f"{locked.name} is not read-only.")
            numbers = list(
                locked.read_only_holds.filter(ended_at__isnull=True).values_list(
                    "invoice__number", flat=True
                )
            )
            locked.read_only_holds.filter(ended_at__isnull=True).update(
                ended_at=timezone.now(),
                ended_by=audit.who(by),
                end_reason=f"Lifted: {reason}"[:500],
            )
            School.objects.filter(pk=locked.pk).update(billing_read_only_since=None)
            locked.billing_read_only_since = None
            audit.record(
                by=by, act=Act.READ_ONLY_LIFTED, school=locked, subject=", ".join(numbers),
                reason=reason,
            )  # fmt: skip
    except BillingError as refused:
        audit.record(by=by, act=Act.READ_ONLY_LIFTED, school=school, reason=refused.message,
                     refused=True)  # fmt: skip
        raise
    school.billing_read_only_since = None
    return locked
