"""A school's life on the platform after onboarding: suspended and reactivated, offboarded
(exported in full, then removed after a grace period on a second operator's word) or
kept after all. Each function checks everything first, writes in one transaction with its
audit row, and records a refusal in the operators' audit before raising it.

Nothing here reads or names anything a school recorded: the export copies its schema and
files whole, encrypted, without looking inside."""

from __future__ import annotations

import datetime
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, NoReturn

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django_tenants.utils import schema_exists

from console import audit
from console.audit import Act
from console.export import (
    export_download_name,
    export_intact,
    export_storage,
    new_export_name,
    removal_date,
    seal,
)
from console.models import Offboarding, OperatorAction
from safeguarding.transfers.bundle import new_passphrase
from tenants import services as tenancy
from tenants.errors import TenancyError
from tenants.models import Domain, OutboxMessage, School
from tenants.schemas import drop_schema
from tenants.services import in_public_schema

logger = logging.getLogger(__name__)

REASON_LENGTH = 500
# Who did it, in the operators' audit, when it was done on the server's command line.
CLI = "haven cli"


class LifecycleRefused(TenancyError):
    """An operator's request about a school's status that Haven refuses; nothing changed."""


@dataclass(frozen=True)
class OffboardingStarted:
    """An offboarding with its export queued. `passphrase` opens the export: shown once,
    kept nowhere (repr leaves it out of logs)."""

    offboarding: Offboarding
    passphrase: str = field(repr=False)


@dataclass(frozen=True)
class ExportDownload:
    file: IO[bytes]
    filename: str
    size: int | None


# Reads --------------------------------------------------------------------------------


def open_offboarding(school: School) -> Offboarding | None:
    """The school's offboarding that was not cancelled (waiting, or done), if any."""
    with in_public_schema():
        return (
            Offboarding.objects.select_related("school")
            .filter(school=school, cancelled_at__isnull=True)
            .first()
        )


def offboardings() -> QuerySet[Offboarding]:
    """Every offboarding, open ones first, newest first, for the console's list."""
    return Offboarding.objects.select_related("school", "school__trust").order_by(
        F("cancelled_at").asc(nulls_first=True),
        F("removed_at").asc(nulls_first=True),
        "-requested_at",
        "-pk",
    )


def grace_days() -> int:
    """Days between asking for a school's removal and the first day it may be confirmed."""
    return settings.CONFIG.offboard_grace_days


def get_offboarding(pk: int) -> Offboarding | None:
    return Offboarding.objects.select_related("school").filter(pk=pk).first()


def days_until_removable(offboarding: Offboarding, *, now: datetime.datetime | None = None) -> int:
    """Whole days (rounded up) before removal may be confirmed; 0 once it may."""
    left = (offboarding.removable_from - (now or timezone.now())).total_seconds()
    return max(0, math.ceil(left / 86400))


def removal_blockers(offboarding: Offboarding, *, by: Any) -> list[str]:
    """Why `by` may not confirm this removal yet, in the order they would be told; an
    empty list when they may."""
    if offboarding.cancelled_at:
        return ["This offboarding was cancelled."]
    if offboarding.removed_at:
        return [f"{offboarding.school.name} has already been removed."]
    found = []
    if _is_requester(offboarding, by):
        found.append(
            "A second operator must confirm the removal: you asked for it "
            "(the removal needs two people)."
        )
    if timezone.now() < offboarding.removable_from:
        found.append(
            f"The grace period runs until {_when(offboarding.removable_from)}; the school "
            "can be removed from then."
        )
    if offboarding.export_status != Offboarding.Export.READY:
        found.append(
            "The school's export is not ready "
            f"({offboarding.get_export_status_display().lower()}): it must be exported first."
        )
    return found


# Suspending and reactivating ----------------------------------------------------------


def suspend(*, school: School, by: Any, reason: str) -> School:
    """Put the school's host behind a notice page; every record is kept as it is."""
    with _refusals_audited(by), in_public_schema(), transaction.atomic():
        locked = School.objects.select_for_update().get(pk=school.pk)
        if locked.status != School.Status.ACTIVE:
            _refuse(by, Act.SUSPENDED, locked, _not_active(locked, "suspended"), reason=reason)
        try:
            tenancy.suspend_school(school=locked, reason=reason)
        except TenancyError as error:
            _refuse(by, Act.SUSPENDED, locked, error.message, reason=reason, field=error.field)
        audit.record(by=by, act=Act.SUSPENDED, school=locked, reason=locked.status_reason)
    _copy_status(locked, school)
    return school


def reactivate(*, school: School, by: Any, reason: str) -> School:
    """Open a suspended school's host again, saying why (kept in the operators' audit)."""
    reason = _clean_reason(reason)
    with _refusals_audited(by), in_public_schema(), transaction.atomic():
        locked = School.objects.select_for_update().get(pk=school.pk)
        if locked.status != School.Status.SUSPENDED:
            _refuse(by, Act.REACTIVATED, locked, _not_suspended(locked), reason=reason)
        problem = _reason_problem(reason, "reactivating the school")
        if problem is not None:
            _refuse(by, Act.REACTIVATED, locked, problem, reason=reason, field="reason")
        previous = locked.status_reason
        tenancy.reactivate_school(school=locked)
        audit.record(
            by=by,
            act=Act.REACTIVATED,
            school=locked,
            reason=reason,
            detail={"suspended_for": previous[:200]},
        )
    _copy_status(locked, school)
    return school


# Offboarding --------------------------------------------------------------------------


def request_offboarding(*, school: School, by: Any, reason: str) -> OffboardingStarted:
    """Close the school's host, queue its full export under a new passphrase, and start
    the grace period after which a second operator may remove its data."""
    reason = _clean_reason(reason)
    with _refusals_audited(by), in_public_schema(), transaction.atomic():
        locked = School.objects.select_for_update().get(pk=school.pk)
        problem = _why_not_offboardable(locked) or _reason_problem(reason, "offboarding the school")
        if problem is not None:
            _refuse(by, Act.OFFBOARDING_REQUESTED, locked, problem, reason=reason, field="reason")
        offboarding = Offboarding.objects.create(
            school=locked,
            reason=reason,
            previous_status=locked.status,
            requested_by_email=audit.who(by),
            requested_by_id=_operator_id(by),
            removable_from=removal_date(),
        )
        locked.status = School.Status.OFFBOARDING
        locked.status_reason = reason
        locked.save(update_fields=["status", "status_reason"])
        audit.record(
            by=by,
            act=Act.OFFBOARDING_REQUESTED,
            school=locked,
            reason=reason,
            detail={
                "offboarding": offboarding.pk,
                "previous_status": offboarding.previous_status,
                "removable_from": offboarding.removable_from.isoformat(),
            },
        )
        passphrase = _queue_export(offboarding)
    _copy_status(locked, school)
    offboarding.school = school
    return OffboardingStarted(offboarding=offboarding, passphrase=passphrase)


def retry_export(*, offboarding: Offboarding, by: Any) -> OffboardingStarted:
    """Export again under a new passphrase: after a failure, when the passphrase of a
    finished export is lost, or when an export seems stuck. The previous export and any
    attempt still running are discarded."""
    with _refusals_audited(by), in_public_schema(), transaction.atomic():
        locked = (
            Offboarding.objects.select_for_update().select_related("school").get(pk=offboarding.pk)
        )
        problem = _why_closed(locked)
        if problem is not None:
            _refuse(by, Act.EXPORT_RETRIED, locked.school, problem)
        audit.record(
            by=by,
            act=Act.EXPORT_RETRIED,
            school=locked.school,
            detail={"offboarding": locked.pk, "was": locked.export_status},
        )
        passphrase = _queue_export(locked)
    return OffboardingStarted(offboarding=locked, passphrase=passphrase)


def cancel_offboarding(*, offboarding: Offboarding, by: Any, reason: str) -> Offboarding:
    """Keep the school after all: its status as before the request, its export deleted."""
    reason = _clean_reason(reason)
    with _refusals_audited(by), in_public_schema(), transaction.atomic():
        locked = (
            Offboarding.objects.select_for_update().select_related("school").get(pk=offboarding.pk)
        )
        school = School.objects.select_for_update().get(pk=locked.school_id)
        problem = _why_closed(locked)
        if problem is None and locked.confirmed_at:
            problem = "The removal is already confirmed and cannot be cancelled."
        if problem is None:
            problem = _reason_problem(reason, "cancelling the offboarding")
        if problem is not None:
            _refuse(by, Act.OFFBOARDING_CANCELLED, school, problem, reason=reason, field="reason")
        locked.cancelled_by_email = audit.who(by)
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancelled_by_email", "cancelled_at"])
        school.status = locked.previous_status
        school.status_reason = _reason_before(school, locked)
        school.save(update_fields=["status", "status_reason"])
        audit.record(
            by=by,
            act=Act.OFFBOARDING_CANCELLED,
            school=school,
            reason=reason,
            detail={"offboarding": locked.pk, "status": school.status},
        )
        export_name = locked.export_name
        if export_name:
            transaction.on_commit(lambda: _delete_export(export_name))
    locked.school = school
    return locked


def open_export(*, offboarding: Offboarding, by: Any) -> ExportDownload:
    """The encrypted export, for an operator to hand back to the school; audited."""
    with _refusals_audited(by), in_public_schema():
        offboarding = Offboarding.objects.select_related("school").get(pk=offboarding.pk)
        if offboarding.cancelled_at or offboarding.export_status != Offboarding.Export.READY:
            _refuse(
                by,
                Act.EXPORT_DOWNLOADED,
                offboarding.school,
                "There is no export ready to download for this offboarding.",
            )
        storage = export_storage()
        try:
            content = storage.open(offboarding.export_name, "rb")
        except FileNotFoundError:
            _refuse(
                by,
                Act.EXPORT_DOWNLOADED,
                offboarding.school,
                "The export file is missing from export storage; retry the export.",
            )
        audit.record(
            by=by,
            act=Act.EXPORT_DOWNLOADED,
            school=offboarding.school,
            subject=offboarding.export_sha256[:16],
            detail={"offboarding": offboarding.pk, "bytes": offboarding.export_bytes},
        )
    return ExportDownload(
        file=content, filename=export_download_name(offboarding), size=offboarding.export_bytes
    )


def confirm_removal(*, offboarding: Offboarding, by: Any, typed_slug: str) -> Offboarding:
    """A second operator, after the grace period and once the export is ready, removes
    the school's data: its schema, its host names and its files. The school's row stays
    (invoices and the audit refer to it), as Removed; so does the export.

    The database part is one transaction: interrupted, nothing is removed and it can be
    confirmed again. Files are deleted after commit by a task that can run again."""
    typed = (typed_slug or "").strip()
    with _refusals_audited(by), in_public_schema(), transaction.atomic():
        locked = (
            Offboarding.objects.select_for_update().select_related("school").get(pk=offboarding.pk)
        )
        school = School.objects.select_for_update().get(pk=locked.school_id)
        if typed != school.slug and not (locked.cancelled_at or locked.removed_at):
            _refuse(
                by,
                Act.REMOVAL_CONFIRMED,
                school,
                f"Type the school's address, {school.slug}, exactly to confirm the removal.",
                field="slug",
                subject=typed[:63],
            )
        blockers = removal_blockers(locked, by=by)
        if blockers:
            _refuse(by, Act.REMOVAL_CONFIRMED, school, blockers[0])
        if not export_intact(locked):
            _refuse(
                by,
                Act.REMOVAL_CONFIRMED,
                school,
                "The export file is missing or changed; export again before removing.",
            )
        now = timezone.now()
        locked.confirmed_by_email = audit.who(by)
        locked.confirmed_at = now
        audit.record(
            by=by, act=Act.REMOVAL_CONFIRMED, school=school, detail={"offboarding": locked.pk}
        )
        removed = [_remove_school(school, by=by, offboarding=locked)]
        copy = School.objects.filter(training_of=school).exclude(status=School.Status.REMOVED)
        for training in copy.select_for_update():
            removed.append(_remove_school(training, by=by, offboarding=locked))
        locked.removed_at = now
        locked.save(
            update_fields=["confirmed_by_email", "confirmed_at", "removed_at"],
        )
        for schema_name in removed:
            transaction.on_commit(lambda name=schema_name: _queue_file_deletion(name))
    locked.school = school
    return locked


# Helpers ------------------------------------------------------------------------------


def _remove_school(school: School, *, by: Any, offboarding: Offboarding) -> str:
    """Drop the school's schema and host names and mark it removed; its schema's name."""
    schema_name = school.schema_name
    Domain.objects.filter(tenant=school).delete()
    OutboxMessage.objects.filter(
        school=school, delivered_at__isnull=True, failed_at__isnull=True
    ).update(failed_at=timezone.now(), last_error="SchoolRemoved")
    existed = schema_exists(schema_name)
    if existed:
        with connection.cursor() as cursor:
            # A school made earlier in this transaction has deferred foreign-key checks
            # pending, and PostgreSQL will not drop tables with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            drop_schema(schema_name)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    school.status = School.Status.REMOVED
    school.status_reason = offboarding.reason
    school.save(update_fields=["status", "status_reason"])
    audit.record(
        by=by,
        act=Act.SCHOOL_REMOVED,
        school=school,
        reason=offboarding.reason,
        detail={"offboarding": offboarding.pk, "schema_existed": existed},
    )
    return schema_name


def _queue_export(offboarding: Offboarding) -> str:
    """A new export attempt under a new passphrase, sent once the caller commits; the
    previous attempt's file, if any, is deleted then too."""
    from console.tasks import export_school

    previous = offboarding.export_name
    passphrase = new_passphrase()
    sealed = seal(passphrase)
    offboarding.export_name = new_export_name(offboarding)
    offboarding.export_status = Offboarding.Export.PENDING
    offboarding.export_error = ""
    offboarding.export_bytes = None
    offboarding.export_sha256 = ""
    offboarding.export_finished_at = None
    offboarding.save()
    name = offboarding.export_name

    def send() -> None:
        # After commit, the operator must still get the passphrase page: if the broker is
        # down, the export stays "Waiting to start" and "Export again" sends a new one.
        try:
            if previous:
                _delete_export(previous)
            export_school.apply_async(
                (offboarding.pk, name, sealed), headers={"_schema_name": "public"}
            )
        except Exception:
            logger.exception("Could not queue the export of offboarding %s", offboarding.pk)

    transaction.on_commit(send)
    return passphrase


def _delete_export(name: str) -> None:
    try:
        export_storage().delete(name)
    except Exception:
        logger.exception("Could not delete the export %s", name)


def _queue_file_deletion(schema_name: str) -> None:
    from console.tasks import delete_school_files

    try:
        delete_school_files.apply_async((schema_name,), headers={"_schema_name": "public"})
    except Exception:
        logger.exception("Could not queue the deletion of the files of %s", schema_name)


class _Refused(Exception):
    def __init__(self, act: str, school: School, message: str, **audited: str) -> None:
        super().__init__(message)
        self.act, self.school, self.message = act, school, message
        self.field = audited.pop("field", "non_field_errors")
        self.audited = audited


def _refuse(by: Any, act: str, school: School, message: str, **audited: str) -> NoReturn:
    """Stop here: `_refusals_audited` records the refusal once the transaction that was
    about to write has rolled back."""
    raise _Refused(act, school, message, **audited)


@contextmanager
def _refusals_audited(by: Any) -> Iterator[None]:
    try:
        yield
    except _Refused as refusal:
        audit.record(
            by=by,
            act=refusal.act,
            school=refusal.school,
            reason=refusal.audited.get("reason", ""),
            subject=refusal.audited.get("subject", ""),
            detail={"refused": refusal.message[:300]},
            refused=True,
        )
        raise LifecycleRefused(refusal.message, field=refusal.field) from None


def _why_not_offboardable(school: School) -> str | None:
    if school.status == School.Status.REMOVED:
        return f"{school.name} has already been removed."
    if school.status == School.Status.OFFBOARDING:
        return f"{school.name} is already being offboarded."
    if school.is_training:
        return (
            f"{school.name} is a training copy of {school.training_of.name}: it holds only "
            "made-up records and is removed with its school. Nothing was changed."
        )
    return None


def _why_closed(offboarding: Offboarding) -> str | None:
    if offboarding.cancelled_at:
        return "This offboarding was cancelled."
    if offboarding.removed_at:
        return f"{offboarding.school.name} has already been removed."
    return None


def _not_active(school: School, doing: str) -> str:
    if school.status == School.Status.SUSPENDED:
        return f"{school.name} is already suspended."
    return f"{school.name} is {school.get_status_display().lower()} and cannot be {doing}."


def _not_suspended(school: School) -> str:
    if school.status == School.Status.ACTIVE:
        return f"{school.name} is already active."
    if school.status == School.Status.OFFBOARDING:
        return (
            f"{school.name} is leaving Haven (offboarding) and cannot be reactivated: "
            "cancel the offboarding to keep it."
        )
    return f"{school.name} has been removed: its records are gone and it cannot be reactivated."


def _reason_before(school: School, offboarding: Offboarding) -> str:
    """A school suspended before its offboarding is suspended again for the same reason,
    which the operators' audit holds."""
    if offboarding.previous_status != School.Status.SUSPENDED:
        return ""
    suspension = (
        OperatorAction.objects.filter(
            school=school,
            act=Act.SUSPENDED,
            outcome=OperatorAction.Outcome.DONE,
            at__lte=offboarding.requested_at,
        )
        .order_by("-at", "-pk")
        .first()
    )
    return suspension.reason if suspension else "Suspended before an offboarding, since cancelled."


def _clean_reason(reason: str) -> str:
    return " ".join((reason or "").split())


def _reason_problem(reason: str, doing: str) -> str | None:
    """What is wrong with a cleaned reason for `doing` (e.g. "offboarding the school")."""
    if not reason:
        return f"Give a reason for {doing}."
    if len(reason) > REASON_LENGTH:
        return f"Keep the reason to {REASON_LENGTH} characters or fewer."
    return None


def _is_requester(offboarding: Offboarding, by: Any) -> bool:
    """The same operator who asked, by account (their email may have changed since) or by
    email (the command line, and offboardings asked for before ids were kept)."""
    by_id = _operator_id(by)
    same_account = by_id is not None and by_id == offboarding.requested_by_id
    return same_account or audit.who(by) == offboarding.requested_by_email


def _operator_id(by: Any) -> int | None:
    return getattr(by, "pk", None)


def _copy_status(source: School, target: School) -> None:
    target.status = source.status
    target.status_reason = source.status_reason


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y, %H:%M")
