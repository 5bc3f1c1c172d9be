"""Every operator action, done or refused, written to console.OperatorAction in the public
schema: who, what, which school or trust, why, and ids or counts, never content."""

from __future__ import annotations

from typing import Any

from console.models import OperatorAction
from tenants.models import School, Trust
from tenants.services import in_public_schema


class Act:
    """What an operator did; the labels are what the console's audit page shows."""

    ONBOARDED = "school_onboarded"
    BULK_ONBOARDING_STARTED = "bulk_onboarding_started"
    SUSPENDED = "school_suspended"
    REACTIVATED = "school_reactivated"
    OFFBOARDING_REQUESTED = "offboarding_requested"
    OFFBOARDING_CANCELLED = "offboarding_cancelled"
    EXPORT_DOWNLOADED = "export_downloaded"
    EXPORT_RETRIED = "export_retried"
    REMOVAL_CONFIRMED = "removal_confirmed"
    SCHOOL_REMOVED = "school_removed"
    TRUST_CREATED = "trust_created"
    HEALTH_REFRESHED = "health_refreshed"
    BILLING_RUN = "billing_run"
    PAYMENT_RECORDED = "payment_recorded"
    CREDIT_NOTE_ISSUED = "credit_note_issued"
    SUBSCRIPTION_CHANGED = "subscription_changed"
    READ_ONLY_LIFTED = "read_only_lifted"
    PLAN_CREATED = "plan_created"
    DUNNING_REMINDER_SENT = "dunning_reminder_sent"
    READ_ONLY_IMPOSED = "read_only_imposed"

    LABELS = {
        ONBOARDED: "Onboarded a school",
        BULK_ONBOARDING_STARTED: "Started a bulk onboarding",
        SUSPENDED: "Suspended a school",
        REACTIVATED: "Reactivated a school",
        OFFBOARDING_REQUESTED: "Asked for a school's removal",
        OFFBOARDING_CANCELLED: "Cancelled a school's removal",
        EXPORT_DOWNLOADED: "Downloaded a school's export",
        EXPORT_RETRIED: "Exported a school again under a new passphrase",
        REMOVAL_CONFIRMED: "Confirmed a school's removal",
        SCHOOL_REMOVED: "Removed a school's data",
        TRUST_CREATED: "Created a trust",
        HEALTH_REFRESHED: "Refreshed schools' health figures",
        BILLING_RUN: "Ran billing for a month",
        PAYMENT_RECORDED: "Recorded a payment",
        CREDIT_NOTE_ISSUED: "Issued a credit note",
        SUBSCRIPTION_CHANGED: "Changed a school's plan or payer",
        READ_ONLY_LIFTED: "Lifted a school's read-only access",
        PLAN_CREATED: "Created a billing plan",
        DUNNING_REMINDER_SENT: "Sent a reminder for an overdue invoice",
        READ_ONLY_IMPOSED: "Made a school read-only for an overdue invoice",
    }


def who(by: Any) -> str:
    """How an entry names who acted: an operator's email, or the system's short name."""
    return (getattr(by, "email", None) or str(by))[:254]


def record(
    *,
    by: Any,
    act: str,
    school: School | None = None,
    trust: Trust | None = None,
    subject: str = "",
    reason: str = "",
    detail: dict | None = None,
    refused: bool = False,
) -> OperatorAction:
    """Write one entry. `by` is the operator (a User) or, for the system's own steps such
    as a scheduled removal, a short name such as "haven"."""
    email = who(by)
    with in_public_schema():
        return OperatorAction.objects.create(
            operator_email=email,
            operator_id=getattr(by, "pk", None),
            act=act,
            outcome=OperatorAction.Outcome.REFUSED if refused else OperatorAction.Outcome.DONE,
            school=school,
            trust=trust,
            subject=subject[:200],
            reason=reason[:500],
            detail=detail or {},
        )
