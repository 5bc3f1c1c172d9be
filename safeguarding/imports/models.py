"""An import's life (checked, confirmed, applied), what it changed, and the credentials
integrations use: service tokens and the school's MIS connection."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """One file, API call or sync: its check (the dry run) and, once applied, its report.

    The data is kept only until the run is applied or discarded, so that applying checks it
    again against the roll as it is then."""

    class Kind(models.TextChoices):
        PUPILS = "pupils", "Pupils and contacts"
        STAFF = "staff", "Staff"
        MEMBERSHIPS = "memberships", "Groups and memberships"

    class Source(models.TextChoices):
        UPLOAD = "upload", "File upload"
        CLI = "cli", "Command line"
        API = "api", "API"
        CONNECTOR = "connector", "MIS sync"

    class Status(models.TextChoices):
        REFUSED = "refused", "Refused"
        CHECKED = "checked", "Checked, waiting for confirmation"
        QUEUED = "queued", "Waiting to be applied"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed; nothing was changed"
        DISCARDED = "discarded", "Discarded"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    file_name = models.CharField(max_length=200, blank=True)
    full = models.BooleanField(
        default=True,
        help_text="Pupils: the whole roll, so pupils missing from it have left. Memberships: "
        "each group's whole list, so members missing from a group in it are taken out.",
    )
    data = models.BinaryField(default=b"", editable=False)
    data_format = models.CharField(max_length=8, default="csv")
    encoding = models.CharField(max_length=20, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.ForeignKey(
        "ServiceToken", null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    summary = models.JSONField(default=dict)
    plan_digest = models.CharField(max_length=64, blank=True)
    errors = models.JSONField(default=list)
    file_errors = models.JSONField(default=list)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    invite_new_staff = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.REFUSED,
            self.Status.APPLIED,
            self.Status.FAILED,
            self.Status.DISCARDED,
        }


class RecordChange(models.Model):
    """What an import did to one record: added, changed (one row per field), left, rejoined.

    Kept as written (migration 0002 refuses UPDATE); a pupil's rows go with the pupil if the
    retention rule ever purges them."""

    class Change(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        LEFT = "left", "Left"
        REJOINED = "rejoined", "Rejoined"
        REMOVED = "removed", "Taken out"

    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="changes")
    object_type = models.CharField(max_length=12)
    object_id = models.BigIntegerField()
    pupil = models.ForeignKey(
        "people.Pupil", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    change = models.CharField(max_length=10, choices=Change.choices)
    field = models.CharField(max_length=40, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index("object_type", "object_id", name="imports_change_object_idx")]


class ServiceToken(models.Model):
    """A credential for an integration to upsert this school's roll, and nothing else: the
    import API accepts it and every other route ignores it. Only a digest is stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MisConnection(models.Model):
    """The school's MIS data provider, for the nightly sync (one row per school)."""

    class Provider(models.TextChoices):
        REST = "rest", "REST MIS data API"

    provider = models.CharField(max_length=10, choices=Provider.choices, default=Provider.REST)
    base_url = models.URLField(max_length=300)
    sealed_key = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    full_roll = models.BooleanField(
        default=True, help_text="The provider sends the whole roll: pupils missing have left."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"MIS connection ({self.get_provider_display()})"
