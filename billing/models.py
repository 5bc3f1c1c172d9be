"""Plans, who pays for each school, monthly pupil-roll snapshots, invoices with their lines,
credit notes and payments. All money is Decimal in pounds with two places."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenants.models import School, Trust

MONEY = {"max_digits": 12, "decimal_places": 2}


class Plan(models.Model):
    """A price list: figures are data, so a new price is a new row, never a code change."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    annual_price_per_pupil = models.DecimalField(**MONEY)
    minimum_annual_charge = models.DecimalField(**MONEY)
    # The plan a school is put on when it has no subscription yet; at most one.
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_plan"
            ),
            models.CheckConstraint(
                condition=Q(annual_price_per_pupil__gte=0, minimum_annual_charge__gte=0),
                name="plan_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A school's plan and who pays for it: the school itself, or its trust on one
    consolidated invoice for all the trust's schools that it pays for."""

    class Payer(models.TextChoices):
        SCHOOL = "school", "The school"
        TRUST = "trust", "The school's trust"

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    payer = models.CharField(max_length=10, choices=Payer.choices, default=Payer.SCHOOL)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.school} on {self.plan}"


class VatRate(models.Model):
    """The UK standard VAT rate from a date on; the rate in force on an invoice's date is
    copied onto the invoice, so a later change never alters an issued invoice."""

    valid_from = models.DateField(unique=True)
    rate = models.DecimalField(max_digits=5, decimal_places=4)  # 0.2000 is 20%

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.rate:%} from {self.valid_from}"


class UsageSnapshot(models.Model):
    """How many pupils a school had on roll at the end of a month; taken once, kept."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="usage_snapshots")
    month = models.DateField()  # the first day of the month
    pupils = models.PositiveIntegerField()
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "month"], name="one_snapshot_per_month")
        ]


class DocumentCounter(models.Model):
    """One row per numbered series (invoices, credit notes). A document takes its number
    with SELECT ... FOR UPDATE on its series' row in its own transaction, so numbers are
    sequential and a rolled-back document gives its number back: no gaps."""

    series = models.CharField(max_length=20, primary_key=True)
    prefix = models.CharField(max_length=10)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.prefix}{self.last_number:06d}"


class Invoice(models.Model):
    """A month's charge to one payer: a school, or a trust for the schools it pays for.
    Never edited once issued; a credit note corrects it."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        PAID = "paid", "Paid"
        CREDITED = "credited", "Credited in full"

    number = models.CharField(max_length=20, unique=True)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    customer_name = models.CharField(max_length=200)
    month = models.DateField()  # the first day of the month billed
    issued_on = models.DateField()
    due_on = models.DateField()
    net = models.DecimalField(**MONEY)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    vat = models.DecimalField(**MONEY)
    gross = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    # Who sent it, as configured on the day it was issued, so a re-rendered invoice never
    # changes; blank on invoices issued before these were kept (billing.pdf falls back).
    supplier_name = models.CharField(max_length=200, blank=True, default="")
    supplier_address = models.TextField(blank=True, default="")
    supplier_vat_number = models.CharField(max_length=40, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False, trust__isnull=True)
                | Q(school__isnull=True, trust__isnull=False),
                name="invoice_has_one_payer",
            ),
            models.UniqueConstraint(
                fields=["school", "month"],
                condition=Q(school__isnull=False),
                name="one_invoice_per_school_month",
            ),
            models.UniqueConstraint(
                fields=["trust", "month"],
                condition=Q(trust__isnull=False),
                name="one_invoice_per_trust_month",
            ),
            models.CheckConstraint(
                condition=Q(gross=models.F("net") + models.F("vat")), name="invoice_gross_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def credited(self) -> Decimal:
        return self.credit_notes.aggregate(total=models.Sum("amount"))["total"] or Decimal("0.00")

    def paid(self) -> Decimal:
        return self.payments.aggregate(total=models.Sum("amount"))["total"] or Decimal("0.00")


class InvoiceLine(models.Model):
    """One school's charge for the month, rounded to the penny on its own."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="invoice_lines")
    description = models.CharField(max_length=300)
    pupils = models.PositiveIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["invoice", "pk"]


class CreditNote(models.Model):
    """Reduces what an invoice asks for; never more than what is left of it."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=500)
    issued_on = models.DateField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_note_positive")
        ]

    def __str__(self) -> str:
        return self.number


def payment_methods() -> list[tuple[str, str]]:
    """The payment providers' names (billing.payments.PROVIDERS), read when asked so that
    a provider added later needs no migration."""
    from billing.payments import method_choices

    return method_choices()


class Payment(models.Model):
    """Money received against an invoice, recorded through a payment provider's adapter
    (billing.payments): by an operator for a bank transfer, later by a card provider."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    received_on = models.DateField()
    method = models.CharField(max_length=20, choices=payment_methods, default="bank_transfer")
    reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.CharField(max_length=254)  # the operator's email
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]


class BillingContact(models.Model):
    """Where a payer's reminders go: a school that pays for itself, or a trust. Without
    one, a trust's reminders go to its trust leads and a school's are recorded but not
    emailed (the console says so)."""

    school = models.OneToOneField(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="billing_contact"
    )
    trust = models.OneToOneField(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="billing_contact"
    )
    email = models.EmailField(max_length=254)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False, trust__isnull=True)
                | Q(school__isnull=True, trust__isnull=False),
                name="billing_contact_has_one_payer",
            )
        ]

    def __str__(self) -> str:
        return self.email


class DunningNotice(models.Model):
    """A step of dunning taken for an overdue invoice, once: a reminder at N days overdue,
    or the notice that its schools became read-only. Holds the invoice's number, amount
    and due date only, as does the email it sends."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        READ_ONLY = "read_only", "Read-only access"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="dunning_notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The step reached: one of HAVEN_DUNNING_REMINDER_DAYS, or HAVEN_DUNNING_READ_ONLY_DAYS.
    days_overdue = models.PositiveSmallIntegerField()
    on = models.DateField()  # the day dunning took the step
    # Who it was emailed to ("" when the payer has no contact) and when the mail server took
    # it; a notice with addresses and no sent_at is tried again by the next run.
    sent_to = models.CharField(max_length=1000, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invoice", "on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind", "days_overdue"], name="one_dunning_step_per_invoice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.kind} at {self.days_overdue} days"


class ReadOnlyHold(models.Model):
    """An overdue invoice holding one of the schools it covers read-only. The school's
    `billing_read_only_since` is set while it has an open hold; a hold ends when its
    invoice is paid or credited, or when an operator lifts the school's read-only access,
    and an invoice never holds the same school twice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="read_only_holds")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="read_only_holds")
    since = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=254, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["since", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "school"], name="one_hold_per_school")
        ]
