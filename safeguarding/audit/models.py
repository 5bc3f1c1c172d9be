"""The audit log: one row per read of a child's file, sign-in, and change of rights or record.

Rows are append-only and hash-chained per school, both enforced by triggers in the school's
schema (audit migration 0002): the database numbers each row (`seq`), links it to the one
before (`prev_hash`) and seals it (`hash`), so `haven audit-verify` can prove that no row was
edited, deleted or reordered. A row holds who, when, what and from where: ids and short codes,
never a child's name or what was recorded about them.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

# The hash a school's first entry points back to.
GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    """What happened. Add a code here (and nothing else) to record a new kind of event."""

    PUPIL_VIEWED = "pupil_viewed", "Viewed a pupil's page"
    INCIDENT_VIEWED = "incident_viewed", "Viewed an incident"
    CHRONOLOGY_VIEWED = "chronology_viewed", "Viewed a chronology"
    FILE_DOWNLOADED = "file_downloaded", "Downloaded a file"
    EXPORT = "export", "Exported records"
    EXPORT_REFUSED = "export_refused", "Was refused an export"
    SAR_CREATED = "sar_created", "Recorded a subject access request"
    SAR_REVIEWED = "sar_reviewed", "Reviewed a subject access request's file"
    SAR_RELEASED = "sar_released", "Released a subject access request"
    SAR_DOWNLOADED = "sar_downloaded", "Downloaded a released subject access request"
    SAR_REFUSED = "sar_refused", "Was refused a subject access request"
    RECORDS_SETTINGS_CHANGED = "records_settings_changed", "Changed the records settings"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed to sign in"
    LOGOUT = "logout", "Signed out"
    LOCKED_OUT = "locked_out", "Locked out after repeated failures"
    SECOND_FACTOR_ADDED = "second_factor_added", "Added a second factor"
    SECOND_FACTOR_REMOVED = "second_factor_removed", "Removed a second factor"
    SECOND_FACTOR_VERIFIED = "second_factor_verified", "Verified a second factor"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Failed to verify a second factor"
    ROLE_CHANGED = "role_changed", "Changed a role"
    PERMISSION_CHANGED = "permission_changed", "Changed a permission"
    STAFF_INVITED = "staff_invited", "Invited a member of staff"
    STAFF_DEACTIVATED = "staff_deactivated", "Deactivated a member of staff"
    STAFF_REACTIVATED = "staff_reactivated", "Reactivated a member of staff"
    INCIDENT_CHANGED = "incident_changed", "Changed an incident"
    PASSWORD_CHANGED = "password_changed", "Changed their password"
    PASSWORD_RESET = "password_reset", "Reset their password"
    SECURITY_SETTINGS_CHANGED = "security_settings_changed", "Changed the security settings"
    TRAINING_SCHOOL_CREATED = "training_school_created", "Created the training school"
    NOTIFICATION_READ = "notification_read", "Marked an alert read"
    ALERT_SETTINGS_CHANGED = "alert_settings_changed", "Changed alert rules or the DSL rota"
    TRANSFER_SENT = "transfer_sent", "Sent a child's file to another school"
    TRANSFER_RESENT = "transfer_resent", "Sent a child's file again"
    TRANSFER_VIEWED = "transfer_viewed", "Viewed a transfer of a child's file"
    TRANSFER_ACCEPTED = "transfer_accepted", "Accepted a transferred file"
    TRANSFER_REJECTED = "transfer_rejected", "Rejected a transferred file"
    TRANSFER_WITHDRAWN = "transfer_withdrawn", "Withdrew a transfer sent to another school"
    TRANSFER_FAILED = "transfer_failed", "A transfer of a child's file failed"
    TRANSFER_RECEIPT_CONFIRMED = "transfer_receipt_confirmed", "Confirmed receipt of a file"
    TRANSFER_REFUSED = "transfer_refused", "Was refused a transfer of a child's file"
    TRANSFERRED_FILE_VIEWED = "transferred_file_viewed", "Viewed a transferred file"
    TRANSFERRED_ATTACHMENT_DOWNLOADED = (
        "transferred_attachment_downloaded",
        "Downloaded a file from a transferred file",
    )
    TRANSFER_BUNDLE_DOWNLOADED = "transfer_bundle_downloaded", "Downloaded a transfer's bundle"
    RETENTION_SETTINGS_CHANGED = "retention_settings_changed", "Changed the retention rule"
    LEGAL_HOLD_PLACED = "legal_hold_placed", "Placed a legal hold on a pupil's records"
    LEGAL_HOLD_RELEASED = "legal_hold_released", "Released a legal hold"
    RETENTION_CONFIRMED = "retention_confirmed", "Confirmed records for purging"
    RETENTION_CANCELLED = "retention_cancelled", "Withdrew a confirmation to purge"
    RETENTION_KEPT = "retention_kept", "Kept records past their review date"
    RETENTION_PURGED = "retention_purged", "Purged a pupil's records under the retention rule"
    IMPORT_CHECKED = "import_checked", "Checked an MIS import (a dry run)"
    IMPORT_APPLIED = "import_applied", "Applied an MIS import"
    IMPORT_DISCARDED = "import_discarded", "Discarded a checked MIS import"
    IMPORT_FAILED = "import_failed", "An MIS import failed and changed nothing"
    SERVICE_TOKEN_CREATED = "service_token_created", "Created an import service token"
    SERVICE_TOKEN_REVOKED = "service_token_revoked", "Revoked an import service token"
    MIS_CONNECTION_CHANGED = "mis_connection_changed", "Changed the MIS connection"


class AuditEvent(models.Model):
    # Assigned by the chaining trigger, never by Django: ids come from a sequence and
    # transactions commit out of id order, so only a number taken under the chain's lock
    # orders the chain. The db_defaults exist so that Django's INSERT returns what the trigger
    # set (fields with a database default come back in RETURNING); the trigger overwrites them.
    seq = models.BigIntegerField(unique=True, editable=False, db_default=0)
    occurred_at = models.DateTimeField(db_default=Now(), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for a failed sign-in with an unknown email address.",
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="The actor's email, or the one typed to sign in."
    )
    # One of AuditAction, checked by services.record rather than by field choices, so that a
    # new kind of event needs no migration.
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=30, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    # No foreign key: an audit row must never block (or be blocked by) anything done to pupils.
    pupil_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Canonical JSON text (sorted keys, no spaces), hashed exactly as stored.
    detail = models.TextField(default="{}")
    prev_hash = models.CharField(max_length=64, editable=False, db_default="")
    hash = models.CharField(max_length=64, editable=False, db_default="")

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["pupil_id", "-seq"], name="audit_pupil_seq"),
            models.Index(fields=["actor_label", "-seq"], name="audit_actor_label_seq"),
            models.Index(fields=["occurred_at"], name="audit_occurred_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action

    @property
    def details(self) -> dict[str, Any]:
        return json.loads(self.detail or "{}")
