"""Concerns recorded about pupils, and what was done about them.

What someone submits is never changed or deleted: triggers in every school's schema refuse
UPDATE and DELETE of an incident's protected columns and of every append-only table here
(migration 0002). What a DSL may change later (categories, status, risk, hidden names) is
recorded as an IncidentChange beside the change itself.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Func
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from safeguarding.concerns.taxonomy import Standard
from safeguarding.display import hiding_names

TEXT_LIMIT = 20_000


def recording_transaction() -> models.BigIntegerField:
    """The top-level transaction that inserted the row, filled in by the database (savepoints
    share it). Triggers compare it with the current one: what is added to an incident or an
    action after the transaction that recorded it is refused (migration 0003)."""
    return models.BigIntegerField(
        db_default=Cast(
            Func(
                function="pg_current_xact_id",
                template="%(function)s()::text",
                output_field=models.TextField(),
            ),
            models.BigIntegerField(),
        ),
        editable=False,
    )


class Category(models.Model):
    """One school's category, at most two levels deep (category > subcategory)."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    standard = models.CharField(max_length=30, choices=Standard.choices)
    restricted = models.BooleanField(
        default=False, help_text="Restricted categories are hidden from most roles by default."
    )
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "parent", name="concerns_category_unique_child_name"
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(parent__isnull=True),
                name="concerns_category_unique_top_name",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent_id else self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Agency(models.Model):
    name = models.CharField(max_length=100)
    retired_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [models.UniqueConstraint(Lower("name"), name="concerns_agency_unique_name")]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    NO_FURTHER_ACTION = "nfa", "No further action"
    CLOSED = "closed", "Closed"


class Risk(models.TextChoices):
    NONE = "", "Not set"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Incident(models.Model):
    # Protected: fixed at submission, guarded by a trigger.
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="incidents")
    text = models.TextField()
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_incidents"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_xid = recording_transaction()
    # Changed only by a DSL, each change written as an IncidentChange.
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.ACTIVE)
    risk = models.CharField(max_length=6, choices=Risk.choices, blank=True, default="")
    names_hidden = models.BooleanField(default=False)
    categories = models.ManyToManyField(
        Category, through="IncidentCategory", related_name="incidents"
    )
    agencies = models.ManyToManyField(Agency, through="IncidentAgency", related_name="incidents")

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["pupil", "occurred_at"], name="concerns_incident_pupil_idx")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The short id staff quote ("take note of the incident ID")."""
        return f"#{self.pk}"

    @property
    def pupil_shown(self) -> str:
        """The pupil as this incident shows them: initials once a DSL has hidden names."""
        return self.pupil.initials if self.hides_names else self.pupil.full_name

    @property
    def hides_names(self) -> bool:
        """Names show as initials: a DSL hid them here, or the viewer hides them on screen."""
        return self.names_hidden or hiding_names()


class IncidentCategory(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint("incident", "category", name="concerns_incidentcategory_unique")
        ]


class IncidentAgency(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint("incident", "agency", name="concerns_incidentagency_unique")
        ]


class LinkedPupil(models.Model):
    """Another pupil on the incident, in their own role: the incident appears in their
    chronology too, seen from that role."""

    class Role(models.TextChoices):
        VICTIM = "victim", "Victim"
        ALLEGED_PERPETRATOR = "perpetrator", "Alleged perpetrator"
        WITNESS = "witness", "Witness"
        INVOLVED = "involved", "Involved"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="links")
    pupil = models.ForeignKey(
        "people.Pupil", on_delete=models.PROTECT, related_name="linked_incidents"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.INVOLVED)

    class Meta:
        constraints = [
            models.UniqueConstraint("incident", "pupil", name="concerns_linkedpupil_unique")
        ]


class BodyMapMark(models.Model):
    """A mark on the front or back outline; x and y run from 0 to 1000 across the drawing."""

    class Side(models.TextChoices):
        FRONT = "front", "Front"
        BACK = "back", "Back"

    class Kind(models.TextChoices):
        BRUISE = "bruise", "Bruise"
        CUT = "cut", "Cut or graze"
        BURN = "burn", "Burn"
        MARK = "mark", "Mark"
        SWELLING = "swelling", "Swelling"
        OTHER = "other", "Other"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="marks")
    side = models.CharField(max_length=5, choices=Side.choices)
    x = models.PositiveSmallIntegerField()
    y = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(x__lte=1000, y__lte=1000), name="concerns_mark_on_map"
            )
        ]


class Action(models.Model):
    """A follow-up on an incident. Never changed once recorded; corrections are new actions."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        PHONE_CALL = "phone_call", "Phone call"
        MEETING = "meeting", "Meeting"
        LETTER = "letter", "Letter"
        EMAIL = "email", "Email"
        REFERRAL = "referral", "Referral to an agency"
        OUTCOME = "outcome", "Outcome"
        FORWARDED = "forwarded", "Forwarded to a team member"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_actions"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_xid = recording_transaction()
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT)
    reference = models.CharField("Agency reference", max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_actions",
    )
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [
            models.Index(fields=["assignee", "due_date"], name="concerns_action_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.incident.reference}"


class ActionCompletion(models.Model):
    """Marks an assigned action done; an action is overdue while it has none past its date."""

    action = models.OneToOneField(Action, on_delete=models.PROTECT, related_name="completion")
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)


class IncidentChange(models.Model):
    """A DSL's change to an incident after submission, kept for its history."""

    class Kind(models.TextChoices):
        CATEGORIES = "categories", "Re-categorised"
        STATUS = "status", "Status changed"
        RISK = "risk", "Risk level set"
        NAMES_HIDDEN = "names", "Names hidden or shown"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    before = models.JSONField()
    after = models.JSONField()
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    recorded_xid = recording_transaction()

    class Meta:
        ordering = ["changed_at", "pk"]


def attachment_key(instance: Attachment, filename: str) -> str:
    """A random key: the original file name is kept in the row, never in storage."""
    return f"attachments/{uuid.uuid4().hex}"


class Attachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attachments")
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_key, max_length=200)
    name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
