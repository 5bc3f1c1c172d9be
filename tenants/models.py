"""Trusts, schools, the host names that reach them and the delivery outbox; all in the
public schema."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin


class Trust(models.Model):
    """A multi-academy trust: owns schools, sees only anonymised figures across them."""

    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    # Counts from 1 to this minus one are published as "<N" (insights.disclosure). A trust
    # lead may only raise it; only a platform operator may lower it, and nothing may take
    # it below 3. Every change is recorded (trusts.services.set_threshold,
    # trusts.ThresholdChange).
    suppression_threshold = models.PositiveSmallIntegerField(default=5)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suppression_threshold__gte=3),
                name="trust_suppression_threshold_at_least_3",
            )
        ]

    def __str__(self) -> str:
        return self.name


class School(TenantMixin):
    """One school, with its own PostgreSQL schema named after its slug."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        OFFBOARDING = "offboarding", "Offboarding"
        # Its schema is dropped after an offboarding; the row stays for its invoices.
        REMOVED = "removed", "Removed"

    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=500, blank=True)
    # Set by dunning (billing.dunning) when an invoice is long overdue: staff may read and may
    # still record a new concern, but nothing else is changed. Never deletion.
    billing_read_only_since = models.DateTimeField(null=True, blank=True)
    # The category template chosen at onboarding, so a training copy starts with the same
    # categories; blank for schools onboarded before it was recorded.
    category_template = models.CharField(max_length=40, blank=True)
    # Set on a training copy only: the real school it imitates with made-up people. PROTECT,
    # because a training copy goes with its schema (tenants.training), never by a cascade
    # that would leave the schema behind.
    training_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_copy",
    )
    created = models.DateTimeField(auto_now_add=True)

    # Schemas are cloned by tenants.services.onboard_school, never created on save.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_training(self) -> bool:
        """A training copy: made-up pupils and incidents, shown with a permanent banner."""
        return self.training_of_id is not None


class Domain(DomainMixin):
    """A host name that serves one school: `<slug>.<HAVEN_BASE_DOMAIN>` at least."""


class AuditAnchor(models.Model):
    """The last verified head of a school's audit log, kept out of the school's own schema.

    The chain inside the schema shows an edited, deleted or reordered entry, but not newest
    entries cut off, nor a chain rewritten from the start; this row, which nothing in the
    school's schema can reach, does: `haven audit-verify` (and its nightly run) checks the
    entry it names still has the hash it had, then moves it to the new head."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="audit_anchor")
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    checked_at = models.DateTimeField()


class OutboxMessage(models.Model):
    """Something a school's transaction asked to be delivered after it commits, such as the
    email for a notification: written in the same transaction, delivered by a worker
    (tenants.outbox). Only ids, a short code and times: never a name, text or any content,
    which stays in the school's own schema."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="outbox_messages")
    kind = models.CharField(max_length=40)
    # The id of a row in the school's schema (what `kind` says it is), never its content.
    reference = models.BigIntegerField()
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # The exception's class name only: its message could carry content.
    last_error = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "reference"], name="outbox_once_per_reference"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "created"],
                name="outbox_pending",
                condition=models.Q(delivered_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} of school {self.school_id}"
