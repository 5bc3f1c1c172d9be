"""Record transfers between schools (KCSIE: the child-protection file moves separately from
the pupil file, within 5 days, with confirmation of receipt).

The sending school keeps an OutgoingTransfer; a school on Haven receives an IncomingTransfer
and, once one of its DSLs accepts it, a read-only copy of the file (TransferredIncident,
TransferredAction, TransferredFile), which the database refuses to change or delete
(migration 0001, the concerns app's `haven_refuse_change`). Every copy row points straight
at the receiving school's pupil.

Schools are named by a foreign key to the platform's registry without a database
constraint: these tables live in every school's schema, the registry in the public one, and
a school's row is never deleted while it has records (training copies, which are, are never
a transfer's school).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

# The KCSIE deadline: the file moves within 5 days of the move (calendar days, counted from
# the day the child left or moves).
DEADLINE_DAYS = 5
# How far ahead a move may be, so that a Year 6 file can go in July for September.
FURTHEST_AHEAD_DAYS = 120


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    VIEWED = "viewed", "Viewed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    # The sender took it back before it was accepted (sent to the wrong school, say).
    WITHDRAWN = "withdrawn", "Withdrawn"


IN_FLIGHT = (Status.PENDING, Status.VIEWED)


def _school(**options) -> models.ForeignKey:
    return models.ForeignKey(
        "tenants.School",
        on_delete=models.DO_NOTHING,  # never cascaded from public: see the module's docstring
        db_constraint=False,
        related_name="+",
        **options,
    )


class OutgoingTransfer(models.Model):
    """A child's file sent from this school, to a school on Haven or to one that is not."""

    class Kind(models.TextChoices):
        ON_PLATFORM = "platform", "A school on Haven"
        OFF_PLATFORM = "elsewhere", "A school not on Haven"

    pupil = models.ForeignKey(
        "people.Pupil", on_delete=models.PROTECT, related_name="outgoing_transfers"
    )
    kind = models.CharField(max_length=9, choices=Kind.choices)
    to_school = _school(null=True, blank=True)
    # Off the platform: what the sending DSL typed.
    to_name = models.CharField("Receiving school", max_length=200, blank=True)
    to_email = models.EmailField("Receiving school's email", blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    moved_on = models.DateField()
    due_by = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_count = models.PositiveSmallIntegerField(default=1)
    last_sent_at = models.DateTimeField(default=timezone.now)
    viewed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The receipt: who confirmed it and at which school. On Haven, the accepting DSL's name
    # and the receiving school's; off it, what the person who used the receipt link typed.
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt_school = models.CharField(max_length=200, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=1000, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Off the platform: the receipt token's SHA-256 (never the token) and the bundle's key
    # in this school's storage. The bundle's passphrase is never stored at all.
    token_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    bundle_key = models.CharField(max_length=200, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "pupil",
                # Equalities, not IN: a school cloned from the template rebuilds the index
                # from its definition, and PostgreSQL prints an IN list back differently.
                condition=models.Q(status=Status.PENDING) | models.Q(status=Status.VIEWED),
                name="transfers_one_in_flight_per_pupil",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="platform", to_school__isnull=False)
                    | models.Q(kind="elsewhere", to_school__isnull=True)
                ),
                name="transfers_outgoing_destination",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"T-{self.pk}"

    @property
    def on_platform(self) -> bool:
        return self.kind == self.Kind.ON_PLATFORM

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    @property
    def destination(self) -> str:
        return self.to_school.name if self.to_school_id else self.to_name


def due_by(moved_on: datetime.date) -> datetime.date:
    return moved_on + datetime.timedelta(days=DEADLINE_DAYS)


class IncomingTransfer(models.Model):
    """A child's file another school on Haven sent here, waiting for a DSL, then accepted
    (copied into this school's schema) or rejected. Until then it holds only what a DSL needs
    to decide: the child's name, date of birth and UPN, and how much the file holds.

    A transfer that ends here without being accepted (rejected, failed, withdrawn by the
    sender or closed there) keeps no trace of who the child was: the header is blanked (see
    services._forget_child) and only the counts and dates stay, for the audit trail."""

    from_school = _school()
    sender_transfer_id = models.BigIntegerField()
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    arrived_at = models.DateTimeField(default=timezone.now)
    moved_on = models.DateField()
    due_by = models.DateField()
    legal_first_name = models.CharField(max_length=100, blank=True)
    legal_last_name = models.CharField(max_length=100, blank=True)
    preferred_first_name = models.CharField(max_length=100, blank=True)
    preferred_last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    upn = models.CharField("UPN", max_length=13, blank=True)
    incident_count = models.PositiveIntegerField(default=0)
    action_count = models.PositiveIntegerField(default=0)
    file_count = models.PositiveIntegerField(default=0)
    viewed_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    pupil = models.ForeignKey(
        "people.Pupil",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=1000, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-arrived_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "from_school", "sender_transfer_id", name="transfers_incoming_once"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"R-{self.pk}"

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    @property
    def forgotten(self) -> bool:
        """The child's header was blanked: the transfer ended here without being accepted."""
        return not (self.legal_first_name or self.legal_last_name or self.upn)

    @property
    def full_name(self) -> str:
        if self.forgotten:
            return FORGOTTEN
        first = self.preferred_first_name or self.legal_first_name
        last = self.preferred_last_name or self.legal_last_name
        return f"{first} {last}"

    @property
    def initials(self) -> str:
        if self.forgotten:
            return FORGOTTEN
        first = self.preferred_first_name or self.legal_first_name
        last = self.preferred_last_name or self.legal_last_name
        return f"{first[:1]}{last[:1]}".upper()


# What a closed transfer shows where the child's name was.
FORGOTTEN = "(not kept)"


class TransferAlert(models.Model):
    """One DSL's email about an incoming transfer (the outbox's reference): one per DSL
    per sending, so a resend alerts them again."""

    incoming = models.ForeignKey(IncomingTransfer, on_delete=models.PROTECT, related_name="alerts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)


# The copy: append-only in the database (migration 0001). -------------------------------


class TransferredIncident(models.Model):
    pupil = models.ForeignKey(
        "people.Pupil", on_delete=models.PROTECT, related_name="transferred_incidents"
    )
    incoming = models.ForeignKey(
        IncomingTransfer, on_delete=models.PROTECT, related_name="incidents"
    )
    original_reference = models.CharField(max_length=30)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    author = models.CharField(max_length=300)
    categories = models.JSONField(default=list)  # the sending school's labels
    standard_categories = models.JSONField(default=list)  # the shared taxonomy, as labels
    text = models.TextField()
    status = models.CharField(max_length=40)
    risk = models.CharField(max_length=40, blank=True)
    # Empty when the incident is about this child; else their role in another child's
    # incident (whose name is redacted in the text, as the chronology export does).
    role = models.CharField(max_length=40, blank=True)
    linked_roles = models.JSONField(default=list)  # other pupils on it, by role only
    marks = models.JSONField(default=list)  # body map: side, x, y, kind, note

    class Meta:
        ordering = ["occurred_at", "pk"]


class TransferredAction(models.Model):
    pupil = models.ForeignKey(
        "people.Pupil", on_delete=models.PROTECT, related_name="transferred_actions"
    )
    incident = models.ForeignKey(
        TransferredIncident, on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(max_length=60)
    text = models.TextField()
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    author = models.CharField(max_length=300)
    agency = models.CharField(max_length=100, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]


class TransferredFile(models.Model):
    pupil = models.ForeignKey(
        "people.Pupil", on_delete=models.PROTECT, related_name="transferred_files"
    )
    incident = models.ForeignKey(
        TransferredIncident, on_delete=models.PROTECT, related_name="files"
    )
    action = models.ForeignKey(
        TransferredAction, null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    key = models.CharField(max_length=200)  # in this school's storage, random
    name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]
