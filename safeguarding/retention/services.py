"""Retention: listing records due for review, a DSL's decisions, legal holds, and the purge.

Every decision is a DSL's and is audited; the purge itself runs from the nightly job, one
child per transaction, and leaves an audit entry with counts only. What may be deleted is
settled by the database (migration 0002), not by this module: a bug here can fail a purge,
never widen one.
"""

from __future__ import annotations

import datetime
import logging

from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone
from psycopg import sql

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.models import Level
from safeguarding.access.policy import Viewer
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns.models import Action, Attachment, Incident, LinkedPupil
from safeguarding.errors import Invalid, NotFound, NotPermitted, Problems
from safeguarding.people.models import Pupil
from safeguarding.retention import selectors
from safeguarding.retention.models import (
    LIMITS,
    Basis,
    ForgottenFile,
    LegalHold,
    Purge,
    RetentionNotice,
    RetentionReview,
    RetentionSettings,
)
from safeguarding.transfers.models import (
    IncomingTransfer,
    OutgoingTransfer,
    TransferAlert,
    TransferredAction,
    TransferredFile,
    TransferredIncident,
)

logger = logging.getLogger(__name__)

NOTICE_KIND = "retention_notice"
REVIEW = "retention_review"
REASON_LIMIT = 500
# Keeping records longer is a decision for a date within reach, reviewed again then.
KEEP_AT_MOST = datetime.timedelta(days=366 * 10)

# A child's records, in the order they are deleted: what hangs off an incident first, so the
# triggers can still find the incident (and through it the child) while they check.
_BY_INCIDENT = [
    "alerts_escalation",
    "alerts_notification",
    "access_incidentgrant",
    "concerns_attachment",
    "concerns_incidentchange",
    "concerns_incidentcategory",
    "concerns_incidentagency",
    "concerns_linkedpupil",
    "concerns_bodymapmark",
]


def refuse_unless_may_manage(viewer: Viewer) -> None:
    """A DSL without a second factor this session is told why; anyone else finds nothing."""
    if policy.may_manage_retention(viewer):
        return
    if viewer.held:
        raise NotPermitted(
            "Retention needs a second factor in this session: elevate your access, then try again."
        )
    raise NotFound("No such page.")


# Settings ---------------------------------------------------------------------------------


def save_settings(
    *, viewer: Viewer, basis: str, years: str, request: HttpRequest | None = None
) -> RetentionSettings:
    refuse_unless_may_manage(viewer)
    problems = Problems()
    if basis not in Basis.values:
        problems.add("basis", "Choose how long records are kept.")
    number = None
    try:
        number = int(str(years).strip())
    except ValueError:
        problems.add("years", "Enter a whole number of years.")
    if number is not None and basis in Basis.values:
        low, high = LIMITS[Basis(basis)]
        if not low <= number <= high:
            problems.add("years", f"Enter a number from {low} to {high}.")
    problems.raise_if_any()
    with transaction.atomic():
        settings, _ = RetentionSettings.objects.update_or_create(
            pk=1, defaults={"basis": basis, "years": number}
        )
        audit.record(
            action=AuditAction.RETENTION_SETTINGS_CHANGED,
            actor=viewer.user,
            request=request,
            detail={"basis": basis, "years": number},
        )
    return settings


# Listing ----------------------------------------------------------------------------------


def list_due(*, today: datetime.date | None = None) -> int:
    """A review for every pupil whose records have fallen due and who has none open, and an
    email to each DSL when that adds any. Returns how many were added."""
    from tenants import outbox

    today = today or timezone.localdate()
    rule = RetentionSettings.current()
    added = 0
    with transaction.atomic():
        for pupil in selectors.newly_due(rule, today):
            due_on = rule.due_on(date_of_birth=pupil.date_of_birth, leaving_date=pupil.leaving_date)
            try:
                with transaction.atomic():
                    RetentionReview.objects.create(pupil=pupil, pupil_ref=pupil.pk, due_on=due_on)
            except IntegrityError:
                continue  # listed meanwhile by another run
            added += 1
        if added:
            waiting = RetentionReview.objects.filter(
                decision=RetentionReview.Decision.PENDING
            ).count()
            for user in _dsls():
                notice = RetentionNotice.objects.create(user=user, waiting=waiting)
                outbox.enqueue(kind=NOTICE_KIND, reference=notice.pk)
    return added


def _dsls():
    return User.objects.filter(is_active=True, staff_profile__role__level=Level.FULL_ADMIN)


# A DSL's decisions ------------------------------------------------------------------------


def confirm(
    *, viewer: Viewer, review_id: int, understood: bool, request: HttpRequest | None = None
) -> RetentionReview:
    """The DSL agrees the pupil's records may go: the next nightly run purges them, unless
    the confirmation is withdrawn or a legal hold is placed first."""
    refuse_unless_may_manage(viewer)
    if not understood:
        raise Invalid(
            {"understood": "Tick the box to confirm you have checked these records can go."}
        )
    with transaction.atomic():
        review = _open_review(review_id, RetentionReview.Decision.PENDING)
        if LegalHold.objects.filter(pupil_id=review.pupil_id, released_at__isnull=True).exists():
            raise Invalid({"__all__": "This pupil's records are under a legal hold."})
        return _decide(review, viewer, RetentionReview.Decision.CONFIRMED, request)


def cancel(*, viewer: Viewer, review_id: int, request: HttpRequest | None = None):
    """Withdraw a confirmation before the purge runs: the review waits again."""
    refuse_unless_may_manage(viewer)
    with transaction.atomic():
        review = _open_review(review_id, RetentionReview.Decision.CONFIRMED)
        return _decide(review, viewer, RetentionReview.Decision.PENDING, request)


def keep(
    *,
    viewer: Viewer,
    review_id: int,
    until: str,
    reason: str,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> RetentionReview:
    """Keep the records until a later date, with the reason; they are listed again then."""
    refuse_unless_may_manage(viewer)
    today = today or timezone.localdate()
    problems = Problems()
    day = None
    try:
        day = datetime.date.fromisoformat(str(until).strip())
    except ValueError:
        problems.add("until", "Enter the date to keep the records until, as YYYY-MM-DD.")
    if day is not None and day <= today:
        problems.add("until", "Choose a date after today.")
    elif day is not None and day > today + KEEP_AT_MOST:
        problems.add("until", "Choose a date within ten years; the records are reviewed then.")
    reason = _reason(reason, "reason", problems, "Say why the records are kept longer.")
    problems.raise_if_any()
    with transaction.atomic():
        review = _open_review(review_id, RetentionReview.Decision.PENDING)
        review.keep_until, review.keep_reason = day, reason
        return _decide(review, viewer, RetentionReview.Decision.KEPT, request)


def _open_review(review_id: int, decision: str) -> RetentionReview:
    review = (
        RetentionReview.objects.select_for_update()
        .filter(pk=review_id, pupil__isnull=False)
        .first()
    )
    if review is None:
        raise NotFound("No such review.")
    if review.decision != decision:
        raise Invalid(
            {"__all__": f"This review is already decided: {review.get_decision_display()}."}
        )
    return review


def _decide(review, viewer: Viewer, decision: str, request) -> RetentionReview:
    review.decision = decision
    review.decided_by = viewer.user if decision != RetentionReview.Decision.PENDING else None
    review.decided_at = timezone.now() if decision != RetentionReview.Decision.PENDING else None
    review.save()
    action = {
        RetentionReview.Decision.CONFIRMED: AuditAction.RETENTION_CONFIRMED,
        RetentionReview.Decision.PENDING: AuditAction.RETENTION_CANCELLED,
        RetentionReview.Decision.KEPT: AuditAction.RETENTION_KEPT,
    }[decision]
    audit.record(
        action=action,
        actor=viewer.user,
        object_type=REVIEW,
        object_id=review.pk,
        pupil_id=review.pupil_ref,
        request=request,
    )
    return review


# Legal holds ------------------------------------------------------------------------------


def place_hold(
    *, viewer: Viewer, pupil_id: int, reason: str, request: HttpRequest | None = None
) -> LegalHold:
    refuse_unless_may_manage(viewer)
    problems = Problems()
    reason = _reason(reason, "reason", problems, "Say why the records must be kept.")
    problems.raise_if_any()
    with transaction.atomic():
        # The pupil's row is the lock a purge takes too: a hold and a purge never cross.
        pupil = policy.visible_pupils(viewer).select_for_update().filter(pk=pupil_id).first()
        if pupil is None:
            raise NotFound("No such pupil.")
        if LegalHold.objects.filter(pupil=pupil, released_at__isnull=True).exists():
            raise Invalid({"__all__": "This pupil's records are already under a legal hold."})
        hold = LegalHold.objects.create(pupil=pupil, reason=reason, placed_by=viewer.user)
        # A confirmation given before the hold does not outlive it: after the hold, a DSL
        # decides afresh.
        for review in RetentionReview.objects.filter(
            pupil=pupil, decision=RetentionReview.Decision.CONFIRMED
        ):
            _decide(review, viewer, RetentionReview.Decision.PENDING, request)
        audit.record(
            action=AuditAction.LEGAL_HOLD_PLACED,
            actor=viewer.user,
            object_type="legal_hold",
            object_id=hold.pk,
            pupil_id=pupil.pk,
            request=request,
        )
    return hold


def release_hold(
    *, viewer: Viewer, hold_id: int, reason: str, request: HttpRequest | None = None
) -> LegalHold:
    refuse_unless_may_manage(viewer)
    problems = Problems()
    reason = _reason(reason, "release_reason", problems, "Say why the hold can end.")
    problems.raise_if_any()
    with transaction.atomic():
        hold = (
            LegalHold.objects.select_for_update()
            .filter(pk=hold_id, released_at__isnull=True)
            .first()
        )
        if hold is None:
            raise NotFound("No such legal hold.")
        hold.released_at, hold.released_by, hold.release_reason = (
            timezone.now(),
            viewer.user,
            reason,
        )
        hold.save()
        audit.record(
            action=AuditAction.LEGAL_HOLD_RELEASED,
            actor=viewer.user,
            object_type="legal_hold",
            object_id=hold.pk,
            pupil_id=hold.pupil_id,
            request=request,
        )
    return hold


def _reason(text: str, field: str, problems: Problems, missing: str) -> str:
    text = str(text or "").strip()
    if not text:
        problems.add(field, missing)
    elif len(text) > REASON_LIMIT:
        problems.add(field, f"Keep it under {REASON_LIMIT} characters.")
    return text


# The purge --------------------------------------------------------------------------------


def purge_confirmed(*, today: datetime.date | None = None) -> int:
    """Purge every confirmed review's records, each in its own transaction; returns how many
    were purged. One that fails is logged (by id) and left confirmed for the next run."""
    purged = 0
    for review_id in RetentionReview.objects.filter(
        decision=RetentionReview.Decision.CONFIRMED
    ).values_list("pk", flat=True):
        try:
            if purge(review_id, today=today):
                purged += 1
        except Exception:
            logger.exception("retention purge of review %s failed", review_id)
    forget_files()
    return purged


def purge(review_id: int, *, today: datetime.date | None = None) -> bool:
    """Delete one child's records, in one transaction, if the review is still confirmed,
    the pupil still due and under no hold. True when it purged.

    An incident about the child that also names a pupil who is not due (still within the
    rule, or under a hold) stays whole, and so does the child's row: the child is listed
    again once that pupil is due too."""
    today = today or timezone.localdate()
    rule = RetentionSettings.current()
    with transaction.atomic():
        review = (
            RetentionReview.objects.select_for_update()
            .filter(pk=review_id, decision=RetentionReview.Decision.CONFIRMED)
            .first()
        )
        if review is None:
            return False
        # The pupil, then their transfers: the order transfers take them in too.
        pupil = Pupil.objects.select_for_update().filter(pk=review.pupil_id).first()
        sending = list(OutgoingTransfer.objects.select_for_update().filter(pupil=review.pupil_id))
        if (
            pupil is None
            or any(transfer.in_flight for transfer in sending)
            or LegalHold.objects.filter(pupil=pupil, released_at__isnull=True).exists()
        ):
            return False
        due_on = rule.due_on(date_of_birth=pupil.date_of_birth, leaving_date=pupil.leaving_date)
        if not pupil.is_archived or due_on is None or due_on > today:
            _keep_until_due(review, due_on, today)
            return False

        due = selectors.due_pupils(rule, today)
        incidents = list(selectors.purgeable_incidents(pupil, due).values_list("pk", flat=True))
        linked = set(
            LinkedPupil.objects.filter(incident_id__in=incidents)
            .exclude(pupil=pupil)
            .values_list("pupil_id", flat=True)
        )
        counts = {
            "incidents": len(incidents),
            "actions": Action.objects.filter(incident_id__in=incidents).count(),
            "files": Attachment.objects.filter(incident_id__in=incidents).count(),
        }
        keys = list(
            Attachment.objects.filter(incident_id__in=incidents).values_list("file", flat=True)
        )
        keys += TransferredFile.objects.filter(pupil=pupil).values_list("key", flat=True)
        keys += [transfer.bundle_key for transfer in sending]
        Purge.objects.create(pupil_id=pupil.pk, review=review)
        _delete_incidents(incidents)
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM records_subjectaccessrequest WHERE pupil_id = %s", [pupil.pk]
            )
        _delete_transferred(pupil)
        ForgottenFile.objects.bulk_create(
            [ForgottenFile(key=key) for key in keys if key], ignore_conflicts=True
        )
        RetentionReview.objects.filter(pk=review.pk).update(
            decision=RetentionReview.Decision.PURGED, purged_at=timezone.now(), **counts
        )
        kept = Incident.objects.filter(pupil=pupil).count()
        pupil_kept = _forget_former_pupil(pupil)
        for other in Pupil.objects.filter(pk__in=linked):
            _forget_former_pupil(other)
        audit.record(
            action=AuditAction.RETENTION_PURGED,
            actor_label="haven:retention",
            object_type=REVIEW,
            object_id=review.pk,
            pupil_id=review.pupil_ref,
            detail={
                **counts,
                "incidents_kept": kept,
                "confirmed_by": review.decided_by_id,
                "pupil_kept": pupil_kept,
            },
        )
        transaction.on_commit(forget_files)
    return True


def _keep_until_due(review: RetentionReview, due_on, today: datetime.date) -> None:
    """The rule changed, or the pupil came back: keep them until they are due again."""
    review.decision = RetentionReview.Decision.KEPT
    review.keep_until = due_on if due_on and due_on > today else today
    review.keep_reason = "No longer due under the school's retention rule."
    review.save()
    audit.record(
        action=AuditAction.RETENTION_KEPT,
        actor_label="haven:retention",
        object_type=REVIEW,
        object_id=review.pk,
        pupil_id=review.pupil_ref,
        detail={"reason": "rule_changed"},
    )


def _delete_incidents(incidents: list[int]) -> None:
    """What hangs off the incidents first, so the triggers can still find each incident
    (and through it the child) while they check."""
    with connection.cursor() as cursor:
        for table in _BY_INCIDENT:
            delete = sql.SQL("DELETE FROM {} WHERE incident_id = ANY(%s)")
            cursor.execute(delete.format(sql.Identifier(table)), [incidents])
        cursor.execute(
            "DELETE FROM concerns_actioncompletion WHERE action_id IN "
            "(SELECT id FROM concerns_action WHERE incident_id = ANY(%s))",
            [incidents],
        )
        cursor.execute("DELETE FROM concerns_action WHERE incident_id = ANY(%s)", [incidents])
        cursor.execute("DELETE FROM concerns_incident WHERE id = ANY(%s)", [incidents])


def _delete_transferred(pupil: Pupil) -> None:
    """Files transferred in with the pupil (their copy, then its transfer), and the
    record of sending theirs on: all part of the same child's file."""
    for model in (TransferredFile, TransferredAction, TransferredIncident):
        model.objects.filter(pupil=pupil).delete()
    TransferAlert.objects.filter(incoming__pupil=pupil).delete()
    IncomingTransfer.objects.filter(pupil=pupil).delete()
    OutgoingTransfer.objects.filter(pupil=pupil).delete()


def _forget_former_pupil(pupil: Pupil) -> bool:
    """A pupil whose records a purge took goes too, guardians, groups and holds with them,
    once nothing of theirs is left. If another child's incident still names them, only
    their name stays (that record needs it): their parents, groups and flags go. If
    incidents about them remain (they name a child not yet due), they stay as they are.
    True when the row is kept."""
    if (
        not RetentionReview.objects.filter(
            pupil=pupil, decision=RetentionReview.Decision.PURGED
        ).exists()
        or Incident.objects.filter(pupil=pupil).exists()
    ):
        return True
    try:
        with transaction.atomic():
            pupil.delete()
    except ProtectedError:
        pupil.guardians.all().delete()
        pupil.groups.clear()
        Pupil.objects.filter(pk=pupil.pk).update(
            year_group=None, form=None, cp_plan=False, cin=False, cla=False, sen="",
            eal=False, fsm=False, pupil_premium=False, early_help=False,
        )  # fmt: skip
        return True
    return False


def forget_files() -> int:
    """Remove the stored files of purged records; what storage refuses stays listed for the
    next run. Returns how many were removed."""
    removed = 0
    for forgotten in ForgottenFile.objects.all()[:1000]:
        try:
            default_storage.delete(forgotten.key)
        except Exception:
            logger.warning("retention could not remove a purged file yet (%s)", forgotten.pk)
            ForgottenFile.objects.filter(pk=forgotten.pk).update(attempts=forgotten.attempts + 1)
            continue
        forgotten.delete()
        removed += 1
    return removed


def nightly(*, today: datetime.date | None = None) -> dict[str, int]:
    """The daily job: purge what DSLs confirmed, then list what has fallen due since."""
    purged = purge_confirmed(today=today)
    listed = list_due(today=today)
    return {"purged": purged, "listed": listed}
