"""Writes for record transfers: sending a child's file (checked, then confirmed; to a school
on Haven, or as an encrypted bundle to one that is not), sending it again or withdrawing it,
opening, accepting and rejecting it at the receiving school, and the receipt link. Every step
and every refusal is audited; rows are locked in one order (LOCK ORDER, below).

Crossing schools happens here and only for a transfer: sending writes the arrival into the
receiving school's schema; accepting reads the sender's schema for that one transfer (the
pair of sending school and transfer id the arrival holds) and writes the receipt back. Each
is one transaction over both schemas, so nothing half-lands. A transfer to a school that is
not on Haven reads the platform's registry and touches no other school's schema at all.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.models import Level
from safeguarding.access.policy import Viewer
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns.selectors import visible_pupil
from safeguarding.errors import NON_FIELD, Invalid, NotFound, NotPermitted, Problems
from safeguarding.people.models import Pupil
from safeguarding.records.services import Download, check_period
from safeguarding.text import clean_text
from safeguarding.transfers import selectors
from safeguarding.transfers.forms import OFF_PLATFORM, ON_PLATFORM, TransferChoice
from safeguarding.transfers.models import (
    FURTHEST_AHEAD_DAYS,
    IN_FLIGHT,
    IncomingTransfer,
    OutgoingTransfer,
    Status,
    TransferAlert,
    TransferredAction,
    TransferredFile,
    TransferredIncident,
    due_by,
)
from safeguarding.transfers.selectors import CopyFailed
from tenants import outbox
from tenants.models import School

OUTGOING = "transfer"
INCOMING = "incoming_transfer"
ALERT_KIND = "transfer_arrived"
REASON_LIMIT = 1000

# What a failed copy may raise: storage that cannot be reached, a file that is not what was
# recorded. Anything else is a bug, and goes up as one (rolled back all the same).
_COPY_ERRORS: tuple[type[BaseException], ...] = (OSError, CopyFailed)
with contextlib.suppress(ImportError):
    from botocore.exceptions import BotoCoreError, ClientError

    _COPY_ERRORS += (BotoCoreError, ClientError)


class TransferFailed(Exception):
    """The copy could not be made: nothing landed, and both schools see the transfer as
    failed, which the sender can send again."""


@dataclass(frozen=True)
class Sent:
    transfer: OutgoingTransfer
    # Off the platform: the bundle's passphrase, for the page that answers the POST only.
    passphrase: str = ""


# Refusals ------------------------------------------------------------------------------------


def refuse_unless_may_handle(
    *,
    viewer: Viewer,
    request: HttpRequest | None = None,
    object_type: str = "",
    object_id: int | None = None,
    pupil_id: int | None = None,
) -> None:
    """NotPermitted, with the reason in words, for anyone but the safeguarding team with a
    second factor this session; the attempt is audited first. The same answer whether or
    not what was asked for exists."""
    if policy.may_handle_transfers(viewer):
        return
    _refused(
        request=request, viewer=viewer, object_type=object_type, object_id=object_id,
        pupil_id=pupil_id, reasons=["second_factor" if viewer.held else "role"],
    )  # fmt: skip
    if viewer.held:
        raise NotPermitted(
            "Transferring a child's file needs a second factor in this session: "
            "elevate your access, then try again."
        )
    raise NotPermitted("Only the safeguarding team can transfer a child's file.")


def pupil_to_send(*, viewer: Viewer, pupil_id: int, request: HttpRequest | None = None) -> Pupil:
    """The pupil whose file would be sent: refused as above, NotFound (audited) for an id
    that is no pupil of this school."""
    refuse_unless_may_handle(viewer=viewer, request=request, object_type="pupil",
                             object_id=audit.loggable_id(pupil_id))  # fmt: skip
    try:
        return visible_pupil(viewer, pupil_id)
    except NotFound:
        _refused(request=request, viewer=viewer, object_type="pupil",
                 object_id=audit.loggable_id(pupil_id), reasons=["not_found"])  # fmt: skip
        raise


# Sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A transfer that may be sent, for the page that asks the DSL to confirm it: the
    child, and the school on Haven (None off it) with its name as the page shows it."""

    pupil: Pupil
    to_school: School | None
    destination: str


def check_transfer(
    *,
    viewer: Viewer,
    pupil_id: int,
    choice: TransferChoice,
    request: HttpRequest | None = None,
) -> Checked:
    """Whether the pupil's file may be sent as chosen, without sending anything: the first
    step, whose answer is the page naming the child and the school to confirm.

    - NotPermitted (audited) without the right; NotFound (audited) for no such pupil;
    - Invalid, every problem at once (audited, nothing created): no destination; a school
      that is not on Haven, not active, a training copy or this school; a move date more
      than FURTHEST_AHEAD_DAYS ahead, before 1990 or before the child was born; another
      transfer of this child still in flight.
    """
    pupil = pupil_to_send(viewer=viewer, pupil_id=pupil_id, request=request)
    here = connection.tenant
    problems, reasons = Problems(dict(choice.errors)), [f"{name}_shape" for name in choice.errors]
    to_school = _checked_destination(choice, here, problems, reasons)
    _check_moved_on(choice.moved_on, pupil, problems, reasons)
    if _in_flight(pupil):
        problems.add(NON_FIELD, _IN_FLIGHT_MESSAGE)
        reasons.append("in_flight")
    if problems.errors:
        _refused(request=request, viewer=viewer, object_type="pupil", object_id=pupil.pk,
                 pupil_id=pupil.pk, reasons=reasons)  # fmt: skip
        problems.raise_if_any()
    return Checked(
        pupil=pupil,
        to_school=to_school,
        destination=to_school.name if to_school is not None else choice.to_name,
    )


def send_transfer(
    *,
    viewer: Viewer,
    pupil_id: int,
    choice: TransferChoice,
    request: HttpRequest | None = None,
) -> Sent:
    """Send the pupil's file, once the DSL has confirmed the destination (`check_transfer`,
    whose checks are made again here): to a school on Haven (its DSLs are alerted) or, as
    an encrypted bundle with a receipt link, to a school that is not. Raises as
    `check_transfer` does."""
    checked = check_transfer(viewer=viewer, pupil_id=pupil_id, choice=choice, request=request)
    pupil, to_school = checked.pupil, checked.to_school
    try:
        if to_school is not None:
            return Sent(_send_on_platform(viewer, pupil, to_school, choice, request))
        return _send_off_platform(viewer, pupil, choice, request)
    except IntegrityError:
        # Another DSL sent this child's file in the moments since the check above.
        _refused(request=request, viewer=viewer, object_type="pupil", object_id=pupil.pk,
                 pupil_id=pupil.pk, reasons=["in_flight"])  # fmt: skip
        raise Invalid({NON_FIELD: _IN_FLIGHT_MESSAGE}) from None


_IN_FLIGHT_MESSAGE = (
    "This child's file is already on its way to a school, waiting to be accepted. Open that "
    "transfer to send it again; nothing new was sent."
)


def _send_on_platform(
    viewer: Viewer, pupil: Pupil, to_school: School, choice: TransferChoice, request
) -> OutgoingTransfer:
    here = connection.tenant
    with transaction.atomic():
        Pupil.objects.select_for_update().filter(pk=pupil.pk).first()  # one sender at a time
        transfer = OutgoingTransfer.objects.create(
            pupil=pupil, kind=OutgoingTransfer.Kind.ON_PLATFORM, to_school=to_school,
            moved_on=choice.moved_on, due_by=due_by(choice.moved_on), created_by=viewer.user,
        )  # fmt: skip
        counts = selectors.file_counts(pupil)
        with to_school:
            incoming = IncomingTransfer.objects.create(
                from_school=here, sender_transfer_id=transfer.pk, moved_on=transfer.moved_on,
                due_by=transfer.due_by, legal_first_name=pupil.legal_first_name,
                legal_last_name=pupil.legal_last_name,
                preferred_first_name=pupil.preferred_first_name,
                preferred_last_name=pupil.preferred_last_name,
                date_of_birth=pupil.date_of_birth, upn=pupil.upn,
                incident_count=counts.incidents, action_count=counts.actions,
                file_count=counts.files,
            )  # fmt: skip
            alerted = _alert_dsls(incoming)
        _audit_in_order(
            (here, _outgoing_event(AuditAction.TRANSFER_SENT, viewer.user, transfer, request,
                                   {"to_school": to_school.pk, "kind": transfer.kind,
                                    "incidents": counts.incidents, "files": counts.files})),
            (to_school, _incoming_event(AuditAction.TRANSFER_SENT, incoming,
                                        {"from_school": here.pk, "alerted": alerted})),
        )  # fmt: skip
    return transfer


def _send_off_platform(viewer: Viewer, pupil: Pupil, choice: TransferChoice, request) -> Sent:
    with _removing_on_failure() as stored, transaction.atomic():
        Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
        transfer = OutgoingTransfer.objects.create(
            pupil=pupil, kind=OutgoingTransfer.Kind.OFF_PLATFORM, to_name=choice.to_name,
            to_email=choice.to_email, moved_on=choice.moved_on,
            due_by=due_by(choice.moved_on), created_by=viewer.user,
        )  # fmt: skip
        passphrase, counts = _new_bundle(viewer, transfer, stored)
        audit.record(
            action=AuditAction.TRANSFER_SENT, object_type=OUTGOING, object_id=transfer.pk,
            pupil_id=pupil.pk, request=request,
            detail={"kind": transfer.kind, "incidents": counts[0], "files": counts[1]},
        )  # fmt: skip
    return Sent(transfer, passphrase)


def _new_bundle(
    viewer: Viewer, transfer: OutgoingTransfer, stored: list[str]
) -> tuple[str, tuple[int, int]]:
    """A new passphrase, receipt token and bundle for an off-platform transfer: the bundle
    stored (its key added to `stored`), the token's digest and the key saved on the row.
    The passphrase is returned to be shown once; nothing here can recover it."""
    from safeguarding.records.pdf import chronology_pdf  # WeasyPrint: slow to import
    from safeguarding.records.selectors import ExportFilters, chronology_for_export
    from safeguarding.transfers.bundle import build_bundle, new_passphrase

    school = connection.tenant
    export = chronology_for_export(
        viewer, transfer.pupil, ExportFilters(hide_other_pupils=True), school_name=school.name
    )
    own = {row.pk for row in export.incidents if not row.about}
    files = selectors.own_files(transfer.pupil, own)
    token, passphrase = secrets.token_urlsafe(32), new_passphrase()
    content = build_bundle(
        passphrase=passphrase,
        chronology=chronology_pdf(export),
        files=files,
        receipt=_receipt_text(school, transfer, token),
    )
    key = default_storage.save(
        f"transfers/{uuid.uuid4().hex}.zip",
        _named(content, f"transfer-{transfer.pk}.zip", "application/zip"),
    )
    stored.append(key)
    transfer.token_sha256 = token_digest(token)
    transfer.bundle_key = key
    transfer.bundle_sha256 = hashlib.sha256(content).hexdigest()
    transfer.save(update_fields=["token_sha256", "bundle_key", "bundle_sha256"])
    return passphrase, (len(export.incidents), len(files))


def _receipt_text(school: School, transfer: OutgoingTransfer, token: str) -> str:
    link = settings.CONFIG.school_url(school.slug).rstrip("/") + reverse(
        "transfers:receipt", args=[token]
    )
    return (
        f"Child protection file sent by {school.name} (transfer {transfer.reference}).\n\n"
        "Keeping Children Safe in Education asks the receiving school to confirm it has the\n"
        "file. Once you have opened this bundle, please confirm receipt here:\n\n"
        f"{link}\n\n"
        "The link works once. Store the file securely and separately from the main pupil file.\n"
    )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resend_transfer(
    *, viewer: Viewer, transfer_id: int, request: HttpRequest | None = None
) -> Sent:
    """Send a transfer in flight again: on Haven, the receiving school's DSLs are alerted
    again; off it, a new bundle under a new passphrase with a new receipt link (the old link
    stops working). Invalid for a transfer no longer in flight: one rejected or failed is
    sent again as a new transfer, to the same school or another."""
    transfer = _outgoing(viewer, transfer_id, request)
    if not transfer.in_flight:
        _refused(request=request, viewer=viewer, object_type=OUTGOING, object_id=transfer.pk,
                 pupil_id=transfer.pupil_id, reasons=[f"resend_{transfer.status}"])  # fmt: skip
        if transfer.status == Status.ACCEPTED:
            raise Invalid({NON_FIELD: "This file has been received: there is nothing to resend."})
        raise Invalid(
            {NON_FIELD: "This transfer is closed. Start a new transfer of the child's file, "
                        "to the same school or another."}
        )  # fmt: skip
    if transfer.on_platform:
        return Sent(_resend_on_platform(viewer, transfer, request))
    old_key = transfer.bundle_key
    with _removing_on_failure() as stored, transaction.atomic():
        locked = selectors.outgoing_transfer(transfer.pk, lock=True)
        if not locked.in_flight:
            raise Invalid({NON_FIELD: "This transfer changed meanwhile: open it again."})
        passphrase, _ = _new_bundle(viewer, locked, stored)
        _count_sending(locked)
        audit.record(
            action=AuditAction.TRANSFER_RESENT, object_type=OUTGOING, object_id=locked.pk,
            pupil_id=locked.pupil_id, request=request,
            detail={"kind": locked.kind, "sent": locked.sent_count},
        )  # fmt: skip
        transaction.on_commit(lambda: _delete_quietly([old_key]))
    return Sent(locked, passphrase)


def _resend_on_platform(viewer: Viewer, transfer: OutgoingTransfer, request) -> OutgoingTransfer:
    here, to_school = connection.tenant, transfer.to_school
    if not to_school.is_active:
        _refused(request=request, viewer=viewer, object_type=OUTGOING, object_id=transfer.pk,
                 pupil_id=transfer.pupil_id, reasons=["school_not_active"])  # fmt: skip
        raise Invalid(
            {NON_FIELD: f"{to_school.name} is not active on Haven now, so its DSLs cannot be "
                        "alerted. Send the file another way."}
        )  # fmt: skip
    changed = Invalid({NON_FIELD: "This transfer changed meanwhile: open it again."})
    with transaction.atomic():
        # The receiver's row first, as every path does (see LOCK ORDER).
        with to_school:
            incoming = _lock_arrival(from_school=here, sender_transfer_id=transfer.pk)
        locked = selectors.outgoing_transfer(transfer.pk, lock=True)
        if incoming is None or not incoming.in_flight or not locked.in_flight:
            raise changed
        with to_school:
            alerted = _alert_dsls(incoming)
        _count_sending(locked)
        _audit_in_order(
            (here, _outgoing_event(AuditAction.TRANSFER_RESENT, viewer.user, locked, request,
                                   {"to_school": to_school.pk, "sent": locked.sent_count})),
            (to_school, _incoming_event(AuditAction.TRANSFER_RESENT, incoming,
                                        {"from_school": here.pk, "alerted": alerted})),
        )  # fmt: skip
    return locked


def withdraw_transfer(
    *, viewer: Viewer, transfer_id: int, request: HttpRequest | None = None
) -> OutgoingTransfer:
    """Take back a transfer not yet received (sent to the wrong school, say): withdrawn at
    both schools, audited at both. On Haven the receiving school's row keeps no trace of
    the child and leaves its DSLs' desk; off it, the receipt link stops working and the
    bundle is deleted. The child's file may then be sent again, to the right school.

    Scoped by the pair (this school, transfer id): a transfer of another school is not
    found. Invalid (audited) for one already received, rejected, failed or withdrawn.
    """
    transfer = _outgoing(viewer, transfer_id, request)
    here, to_school = connection.tenant, transfer.to_school
    try:
        with transaction.atomic():
            incoming = None
            if to_school is not None:
                # The receiver's row first, as every path does (see LOCK ORDER).
                with to_school:
                    incoming = _lock_arrival(from_school=here, sender_transfer_id=transfer.pk)
            locked = selectors.outgoing_transfer(transfer.pk, lock=True)
            if not locked.in_flight:
                raise _NotInFlight(locked)
            now = timezone.now()
            locked.status, locked.withdrawn_at = Status.WITHDRAWN, now
            fields = ["status", "withdrawn_at"]
            old_bundle = locked.bundle_key
            if not locked.on_platform:
                locked.token_sha256, locked.bundle_key, locked.bundle_sha256 = "", "", ""
                fields += ["token_sha256", "bundle_key", "bundle_sha256"]
                transaction.on_commit(lambda: _delete_quietly([old_bundle]))
            locked.save(update_fields=fields)
            detail = {"kind": locked.kind}
            events = [(here, _outgoing_event(AuditAction.TRANSFER_WITHDRAWN, viewer.user, locked,
                                             request, detail))]  # fmt: skip
            if incoming is not None and incoming.in_flight:
                incoming.status, incoming.withdrawn_at = Status.WITHDRAWN, now
                with to_school:
                    _forget_child(incoming, "status", "withdrawn_at")
                withdrawn = _incoming_event(
                    AuditAction.TRANSFER_WITHDRAWN, incoming, {"from_school": here.pk}
                )
                events.append((to_school, withdrawn))
            _audit_in_order(*events)
    except _NotInFlight as closed:
        _refused(request=request, viewer=viewer, object_type=OUTGOING, object_id=transfer.pk,
                 pupil_id=transfer.pupil_id,
                 reasons=[f"withdraw_{closed.transfer.status}"])  # fmt: skip
        if closed.transfer.status == Status.ACCEPTED:
            message = "This file has been received, so it cannot be withdrawn."
        else:
            message = "This transfer is closed already: there is nothing to withdraw."
        raise Invalid({NON_FIELD: message}) from None
    return locked


class _NotInFlight(Exception):
    def __init__(self, transfer: OutgoingTransfer) -> None:
        self.transfer = transfer


def _count_sending(transfer: OutgoingTransfer) -> None:
    transfer.sent_count = F("sent_count") + 1
    transfer.last_sent_at = timezone.now()
    transfer.save(update_fields=["sent_count", "last_sent_at"])
    transfer.refresh_from_db(fields=["sent_count"])


def download_bundle(
    *, viewer: Viewer, transfer_id: int, request: HttpRequest | None = None
) -> Download:
    """The encrypted bundle of an off-platform transfer, for the sender to pass on."""
    transfer = _outgoing(viewer, transfer_id, request)
    if transfer.on_platform or not transfer.bundle_key:
        raise NotFound("No such bundle.")
    with default_storage.open(transfer.bundle_key, "rb") as stored:
        content = stored.read()
    audit.record(
        action=AuditAction.TRANSFER_BUNDLE_DOWNLOADED, object_type=OUTGOING,
        object_id=transfer.pk, pupil_id=transfer.pupil_id, request=request,
        detail={"sent": transfer.sent_count},
    )  # fmt: skip
    return Download(
        content=content,
        content_type="application/zip",
        filename=f"transfer-{transfer.pk}-{transfer.sent_count}.zip",
    )


def open_outgoing(
    *, viewer: Viewer, transfer_id: int, request: HttpRequest | None = None
) -> OutgoingTransfer:
    return _outgoing(viewer, transfer_id, request)


# Receiving ------------------------------------------------------------------------------------

# LOCK ORDER. Every path that locks rows of a transfer at both schools takes them in one
# order, so that two DSLs acting at once (one sending again or withdrawing, the other
# opening, accepting or rejecting) wait for each other instead of deadlocking:
#   1. the receiving school's IncomingTransfer row (`_lock_arrival`, `_still_waiting`);
#   2. the sending school's Pupil row (sending, accepting, confirming a receipt link);
#   3. the sending school's OutgoingTransfer row;
#   4. last, the audit logs, in the order of the schools' ids (`_audit_in_order`).
# A path may skip a step, never go back to an earlier one. Sending inserts rows 3 and 1
# after locking 2; nobody else can hold a row that does not exist yet.


def _lock_arrival(**filters) -> IncomingTransfer | None:
    """On the receiving school's schema: the arrival matching `filters`, locked (step 1)."""
    return IncomingTransfer.objects.select_for_update(of=("self",)).filter(**filters).first()


def open_incoming(
    *, viewer: Viewer, incoming_id: int, request: HttpRequest | None = None
) -> IncomingTransfer:
    """A transfer sent here, for a DSL to decide on. The first opening marks it viewed here
    and at the sending school; every opening is audited. One the sending school has closed
    meanwhile is closed here too, keeping no trace of the child. NotFound (audited) for one
    the sending school's records do not address to this school."""
    incoming = _incoming(viewer, incoming_id, request)
    here = connection.tenant
    with _refusing_if_not_addressed_here(viewer, request, incoming.pk), transaction.atomic():
        incoming = selectors.incoming_transfer(incoming.pk, lock=True)
        sender, now, outgoing = incoming.from_school, timezone.now(), None
        if incoming.in_flight:
            with sender:
                outgoing = _sender_side(incoming, here)
            if not outgoing.in_flight:
                _close_superseded(incoming, now)
        first = incoming.status == Status.PENDING
        events = [(here, _incoming_event(
            AuditAction.TRANSFER_VIEWED, incoming, {"first": first}, actor=viewer.user,
            request=request))]  # fmt: skip
        if first:
            incoming.status, incoming.viewed_at = Status.VIEWED, now
            incoming.save(update_fields=["status", "viewed_at"])
            if outgoing.status == Status.PENDING:
                with sender:
                    outgoing.status, outgoing.viewed_at = Status.VIEWED, now
                    outgoing.save(update_fields=["status", "viewed_at"])
                events.append((sender, _receipt_event(
                    AuditAction.TRANSFER_VIEWED, incoming, viewer.user, here=here)))  # fmt: skip
        _audit_in_order(*events)
    return incoming


def accept_incoming(
    *, viewer: Viewer, incoming_id: int, request: HttpRequest | None = None
) -> IncomingTransfer:
    """Accept a transfer sent here: in one transaction, the sender's file of that child is
    read (on the sender's schema, for this transfer only), copied here read-only under the
    pupil with the same UPN and date of birth (added, admitted today, if no pupil has the
    UPN), the receipt written back to the sender (accepted, archived; their pupil marked as
    left), and both schools' audit logs written.

    - NotPermitted (audited) without the right; NotFound (audited) for a transfer that is
      not this school's, here or in the sending school's records;
    - Invalid (audited), nothing copied: for one already accepted, rejected, failed or
      withdrawn; for one the sender has since replaced or closed (closed here too, keeping
      no trace of the child); and when a pupil here has the UPN but another date of birth
      (the file is not attached to what may be another child: the schools must check);
    - TransferFailed when the copy cannot be made (storage unreachable, a file not as
      recorded): nothing lands; both schools see it failed, and the sender can send again.
    """
    incoming = _incoming(viewer, incoming_id, request)
    here = connection.tenant
    stored: list[str] = []
    superseded = False
    try:
        with (
            _refusing_if_not_waiting(viewer, request),
            _refusing_if_not_addressed_here(viewer, request, incoming.pk),
            transaction.atomic(),
        ):
            incoming = _still_waiting(incoming.pk)
            match = selectors.receiving_match(incoming)
            if match.date_of_birth_differs:
                raise _WrongChild
            sender = incoming.from_school
            with sender:
                outgoing = _sender_side(incoming, here, with_pupil=True)
                file = selectors.sender_file(outgoing) if outgoing.in_flight else None
            now = timezone.now()
            if file is None:
                _close_superseded(incoming, now)
                superseded = True
            else:
                pupil = match.pupil or _new_pupil(incoming)
                counts = _copy(file, incoming, pupil, stored)
                incoming.status, incoming.accepted_at = Status.ACCEPTED, now
                incoming.accepted_by, incoming.pupil = viewer.user, pupil
                incoming.save(update_fields=["status", "accepted_at", "accepted_by", "pupil"])
                with sender:
                    _write_receipt(
                        outgoing, name=viewer.user.get_full_name() or viewer.user.email,
                        school=here.name, now=now,
                    )  # fmt: skip
                _audit_in_order(
                    (here, _incoming_event(AuditAction.TRANSFER_ACCEPTED, incoming,
                                           {"from_school": sender.pk, **counts},
                                           actor=viewer.user, request=request, pupil=pupil.pk)),
                    (sender, _receipt_event(AuditAction.TRANSFER_ACCEPTED, incoming,
                                            viewer.user, here=here,
                                            pupil_id=outgoing.pupil_id)),
                )  # fmt: skip
    except _WrongChild:
        _refused(request=request, viewer=viewer, object_type=INCOMING, object_id=incoming.pk,
                 reasons=["date_of_birth_differs"])  # fmt: skip
        raise Invalid(
            {NON_FIELD: "A pupil here has this UPN but a different date of birth, so the file "
                        "was not added to their records: nothing was copied. Check the UPN and "
                        f"date of birth with {incoming.from_school.name}, correct whichever is "
                        "wrong, then accept the file, or reject it if the child is not yours."}
        ) from None  # fmt: skip
    except _COPY_ERRORS as error:
        _delete_quietly(stored)
        _mark_failed(viewer, incoming, request)
        raise TransferFailed(
            "The file could not be copied, so nothing was added to this school's records. "
            "Both schools now see the transfer as failed; the sending school can send it "
            "again."
        ) from error
    except BaseException:
        _delete_quietly(stored)
        raise
    if superseded:
        _refused(request=request, viewer=viewer, object_type=INCOMING, object_id=incoming.pk,
                 reasons=["superseded"])  # fmt: skip
        raise Invalid(
            {NON_FIELD: "The sending school has closed or replaced this transfer, so it "
                        "cannot be accepted. Nothing was copied."}
        )  # fmt: skip
    return incoming


class _WrongChild(Exception):
    """A pupil here has the transfer's UPN and another date of birth."""


def reject_incoming(
    *,
    viewer: Viewer,
    incoming_id: int,
    reason: str,
    request: HttpRequest | None = None,
) -> IncomingTransfer:
    """Reject a transfer sent here, with a reason the sending DSL reads (a child who is not
    ours, say); the child's details are not kept here. Invalid without a reason, or for one
    no longer waiting; NotFound (audited) for one the sending school's records do not
    address to this school."""
    incoming = _incoming(viewer, incoming_id, request)
    problems = Problems()
    with problems.check("reason"):
        reason = clean_text(reason, label="reason", limit=REASON_LIMIT)
    problems.raise_if_any()
    here = connection.tenant
    with (
        _refusing_if_not_waiting(viewer, request),
        _refusing_if_not_addressed_here(viewer, request, incoming.pk),
        transaction.atomic(),
    ):
        incoming = _still_waiting(incoming.pk)
        sender = incoming.from_school
        with sender:
            outgoing = _sender_side(incoming, here)
        now = timezone.now()
        incoming.status, incoming.rejected_at, incoming.rejection_reason = (
            Status.REJECTED, now, reason,
        )  # fmt: skip
        _forget_child(incoming, "status", "rejected_at", "rejection_reason")
        if outgoing.in_flight:
            with sender:
                outgoing.status, outgoing.rejected_at = Status.REJECTED, now
                outgoing.rejection_reason = reason
                outgoing.save(update_fields=["status", "rejected_at", "rejection_reason"])
        _audit_in_order(
            (here, _incoming_event(AuditAction.TRANSFER_REJECTED, incoming,
                                   {"from_school": sender.pk}, actor=viewer.user,
                                   request=request)),
            (sender, _receipt_event(AuditAction.TRANSFER_REJECTED, incoming, viewer.user,
                                    here=here, pupil_id=outgoing.pupil_id)),
        )  # fmt: skip
    return incoming


def _forget_child(incoming: IncomingTransfer, *fields: str) -> None:
    """Save `fields` of an arrival that ends here without being accepted, blanking who the
    child was (names, date of birth, UPN); the counts and dates stay for the audit trail.
    On the receiving school's schema."""
    incoming.legal_first_name = incoming.legal_last_name = ""
    incoming.preferred_first_name = incoming.preferred_last_name = ""
    incoming.date_of_birth, incoming.upn = None, ""
    incoming.save(update_fields=[*fields, *_HEADER])


_HEADER = (
    "legal_first_name", "legal_last_name", "preferred_first_name", "preferred_last_name",
    "date_of_birth", "upn",
)  # fmt: skip


def _close_superseded(incoming: IncomingTransfer, now: datetime.datetime) -> None:
    """The sending school closed or replaced the transfer: closed here as withdrawn."""
    incoming.status, incoming.withdrawn_at = Status.WITHDRAWN, now
    _forget_child(incoming, "status", "withdrawn_at")


# The receipt link (off the platform) --------------------------------------------------------


def open_receipt(*, token: str) -> OutgoingTransfer:
    """The transfer a receipt link is for, while it waits for its receipt, for the page
    asking to confirm it. Writes nothing: mail systems open links to scan them, so only a
    person submitting the form marks the transfer viewed. NotFound for an unknown token, an
    old one (the bundle was sent again) or one already used."""
    transfer = _waiting_for(token).first()
    if transfer is None:
        raise NotFound("No such receipt link.")
    return transfer


def confirm_receipt(
    *, token: str, name: str, school: str, request: HttpRequest | None = None
) -> OutgoingTransfer:
    """Receipt confirmed through the link by the person named, at the school named: the
    transfer is accepted and archived, the child marked as left. Invalid without both; the
    transfer is marked viewed all the same, the first time only (one audit row however
    often the form comes back). NotFound as `open_receipt`."""
    problems = Problems()
    with problems.check("name"):
        name = clean_text(name, label="name", limit=200)
    with problems.check("school"):
        school = clean_text(school, label="school", limit=200)
    with transaction.atomic():
        transfer = _by_token(token)
        now, events = timezone.now(), []
        if transfer.status == Status.PENDING:
            transfer.status, transfer.viewed_at = Status.VIEWED, now
            transfer.save(update_fields=["status", "viewed_at"])
            events.append((AuditAction.TRANSFER_VIEWED, {"via": "receipt_link"}))
        if not problems.errors:
            _write_receipt(transfer, name=name, school=school, now=now)
            events.append((AuditAction.TRANSFER_RECEIPT_CONFIRMED, {"via": "receipt_link"}))
        for action, detail in events:  # last: see LOCK ORDER
            audit.record(
                action=action, object_type=OUTGOING, object_id=transfer.pk,
                pupil_id=transfer.pupil_id, request=request, detail=detail,
            )  # fmt: skip
    problems.raise_if_any()
    return transfer


def _waiting_for(token: str):
    if not token or len(token) > 100:
        return OutgoingTransfer.objects.none()
    return OutgoingTransfer.objects.filter(
        kind=OutgoingTransfer.Kind.OFF_PLATFORM,
        token_sha256=token_digest(token),
        status__in=IN_FLIGHT,
    )


def _by_token(token: str) -> OutgoingTransfer:
    """The transfer, locked after its pupil (see LOCK ORDER): the receipt marks them left."""
    waiting = _waiting_for(token)
    pupil_id = waiting.values_list("pupil_id", flat=True).first()
    if pupil_id is not None:
        list(Pupil.objects.select_for_update().filter(pk=pupil_id).values_list("pk"))
    transfer = waiting.select_for_update(of=("self",)).first()
    if transfer is None:
        raise NotFound("No such receipt link.")
    return transfer


# Helpers --------------------------------------------------------------------------------------


def _checked_destination(
    choice: TransferChoice, here: School, problems: Problems, reasons: list[str]
) -> School | None:
    if choice.destination == OFF_PLATFORM:
        with problems.check("to_name"):
            choice.to_name = clean_text(choice.to_name, label="school's name", limit=200)
        if choice.to_email:
            try:
                validate_email(choice.to_email)
            except ValidationError:
                problems.add("to_email", "Enter an email address like dsl@school.example.")
                reasons.append("email")
        if "to_name" in problems.errors:
            reasons.append("name")
        return None
    if choice.destination != ON_PLATFORM:
        problems.add("destination", "Choose a school on Haven or a school not on Haven.")
        reasons.append("destination")
        return None
    if choice.school_id is None:
        if "school" not in problems.errors:
            problems.add("school", "Choose the school the child is moving to.")
        reasons.append("no_school")
        return None
    found = (
        School.objects.filter(pk=choice.school_id).first() if 0 < choice.school_id < 2**63 else None
    )
    if found is None or found.schema_name in selectors.not_schools():
        problems.add("school", "There is no such school on Haven: choose one from the list.")
        reasons.append("unknown_school")
    elif found.pk == here.pk:
        problems.add("school", "That is this school: choose the school the child is moving to.")
        reasons.append("self")
    elif found.is_training or here.is_training:
        problems.add(
            "school",
            "Training schools hold made-up records: files cannot move between a training "
            "school and a real one.",
        )
        reasons.append("training")
    elif not found.is_active:
        problems.add(
            "school",
            f"{found.name} is not active on Haven now, so it cannot receive the file. "
            "Send it as a school not on Haven instead.",
        )
        reasons.append("school_not_active")
    else:
        return found
    return None


def _check_moved_on(
    moved_on: datetime.date | None, pupil: Pupil, problems: Problems, reasons: list[str]
) -> None:
    """The day the child left or moves: from 1990 (as every date in the records) to
    FURTHEST_AHEAD_DAYS ahead, so that a file can go before a planned move (a Year 6
    file in July for September; the clock then runs from the move), and not before the
    child was born."""
    if "moved_on" in problems.errors:
        return
    if moved_on is None:
        problems.add("moved_on", "Enter the day the child left or moves.")
        reasons.append("moved_on")
        return
    furthest = timezone.localdate() + datetime.timedelta(days=FURTHEST_AHEAD_DAYS)
    if moved_on > furthest:
        problems.add(
            "moved_on",
            f"That is more than {FURTHEST_AHEAD_DAYS} days ahead: choose a date no later than "
            f"{furthest:%-d %B %Y}, or send the file nearer the move.",
        )
    elif moved_on <= timezone.localdate():  # the records' rule for dates up to today
        dates = Problems()
        check_period(dates, moved_on, None)
        for message in dates.errors.get("date_from", []):
            problems.add("moved_on", message)
        if not dates.errors.get("date_from") and moved_on < pupil.date_of_birth:
            problems.add("moved_on", "That is before the child was born: check the date.")
    if "moved_on" in problems.errors:
        reasons.append("moved_on")


def _in_flight(pupil: Pupil) -> bool:
    return OutgoingTransfer.objects.filter(pupil=pupil, status__in=IN_FLIGHT).exists()


def _alert_dsls(incoming: IncomingTransfer) -> int:
    """An email for each of this (the receiving) school's DSLs, through the outbox: one row
    each, so a resend alerts them again. Returns how many."""
    dsls = User.objects.filter(
        is_active=True, staff_profile__role__level=Level.FULL_ADMIN
    ).values_list("pk", flat=True)
    alerts = TransferAlert.objects.bulk_create(
        TransferAlert(incoming=incoming, user_id=pk) for pk in dsls
    )
    for alert in alerts:
        outbox.enqueue(kind=ALERT_KIND, reference=alert.pk)
    return len(alerts)


def _sender_side(
    incoming: IncomingTransfer, here: School, *, with_pupil: bool = False
) -> OutgoingTransfer:
    """On the sender's schema: the transfer this arrival is for, locked, scoped by the pair
    (sending school, transfer id) the arrival holds and addressed to this school; with
    `with_pupil`, the sender's pupil locked first (see LOCK ORDER). _NotAddressedHere when
    the sender's records hold no such transfer to this school."""
    addressed = OutgoingTransfer.objects.filter(
        pk=incoming.sender_transfer_id,
        kind=OutgoingTransfer.Kind.ON_PLATFORM,
        to_school_id=here.pk,
    )
    pupil_id = addressed.values_list("pupil_id", flat=True).first()
    if pupil_id is None:
        raise _NotAddressedHere
    if with_pupil:
        list(Pupil.objects.select_for_update().filter(pk=pupil_id).values_list("pk"))
    found = addressed.select_for_update(of=("self",)).select_related("pupil").first()
    if found is None:
        raise _NotAddressedHere
    return found


class _NotAddressedHere(Exception):
    pass


@contextlib.contextmanager
def _refusing_if_not_addressed_here(viewer: Viewer, request, incoming_id: int) -> Iterator[None]:
    """Around the transaction: an arrival the sending school's records do not address to
    this school (a row no send wrote) is not found, audited, and nothing is changed."""
    try:
        yield
    except _NotAddressedHere:
        _refused(request=request, viewer=viewer, object_type=INCOMING, object_id=incoming_id,
                 reasons=["not_addressed_here"])  # fmt: skip
        raise NotFound("No such transfer.") from None


class _NotWaiting(Exception):
    def __init__(self, incoming: IncomingTransfer) -> None:
        self.incoming = incoming


@contextlib.contextmanager
def _refusing_if_not_waiting(viewer: Viewer, request) -> Iterator[None]:
    """Around the transaction: a transfer no longer waiting is refused (audited, after the
    rollback, so that the refusal stays in the log) with what became of it, in words."""
    try:
        yield
    except _NotWaiting as not_waiting:
        incoming = not_waiting.incoming
        _refused(request=request, viewer=viewer, object_type=INCOMING, object_id=incoming.pk,
                 reasons=[f"already_{incoming.status}"])  # fmt: skip
        raise Invalid({NON_FIELD: _not_waiting_message(incoming)}) from None


def _still_waiting(incoming_id: int) -> IncomingTransfer:
    incoming = selectors.incoming_transfer(incoming_id, lock=True)
    if not incoming.in_flight:
        raise _NotWaiting(incoming)
    return incoming


def _not_waiting_message(incoming: IncomingTransfer) -> str:
    when = {
        Status.ACCEPTED: incoming.accepted_at,
        Status.REJECTED: incoming.rejected_at,
        Status.FAILED: incoming.failed_at,
        Status.WITHDRAWN: incoming.withdrawn_at,
    }[incoming.status]
    day = f" on {timezone.localtime(when):%-d %B %Y}" if when else ""
    messages = {
        Status.ACCEPTED: f"This file was already accepted{day}: it is in the pupil's records.",
        Status.REJECTED: f"This transfer was rejected{day}: nothing more can be done with it.",
        Status.FAILED: f"This transfer failed{day}. The sending school can send it again, as "
        "a new transfer.",
        Status.WITHDRAWN: f"The sending school withdrew this transfer{day}: nothing more can be "
        "done with it.",
    }
    return messages[incoming.status]


def _new_pupil(incoming: IncomingTransfer) -> Pupil:
    """A pupil from the transferred header, admitted today: no pupil here has the UPN."""
    return Pupil.objects.create(
        upn=incoming.upn,
        legal_first_name=incoming.legal_first_name,
        legal_last_name=incoming.legal_last_name,
        preferred_first_name=incoming.preferred_first_name,
        preferred_last_name=incoming.preferred_last_name,
        date_of_birth=incoming.date_of_birth,
        admission_date=timezone.localdate(),
    )


def _copy(
    file: selectors.SenderFile, incoming: IncomingTransfer, pupil: Pupil, stored: list[str]
) -> dict[str, int]:
    """The read-only copy, on this (the receiving) school's schema; each file stored under
    a new random key and read back to check its SHA-256."""
    incidents, actions = {}, {}
    for source in file.incidents:
        incidents[source.pk] = TransferredIncident.objects.create(
            pupil=pupil, incoming=incoming, original_reference=f"#{source.pk}",
            occurred_at=source.occurred_at, recorded_at=source.recorded_at,
            author=source.author, categories=source.categories,
            standard_categories=source.standard_categories, text=source.text,
            status=source.status, risk=source.risk, role=source.role,
            linked_roles=source.linked_roles, marks=source.marks,
        )  # fmt: skip
        for action in source.actions:
            actions[action.pk] = TransferredAction.objects.create(
                pupil=pupil, incident=incidents[source.pk], kind=action.kind,
                text=action.text, occurred_at=action.occurred_at,
                recorded_at=action.recorded_at, author=action.author, agency=action.agency,
                reference=action.reference, due_date=action.due_date,
                completed_at=action.completed_at,
            )  # fmt: skip
    for attachment in file.files:
        key = default_storage.save(
            f"transferred/{uuid.uuid4().hex}",
            _named(attachment.content, attachment.name, attachment.content_type),
        )
        stored.append(key)
        with default_storage.open(key, "rb") as copied:
            if hashlib.sha256(copied.read()).hexdigest() != attachment.sha256:
                raise CopyFailed("A file changed as it was copied.")
        TransferredFile.objects.create(
            pupil=pupil, incident=incidents[attachment.incident_id],
            action=actions.get(attachment.action_id), key=key, name=attachment.name,
            content_type=attachment.content_type, size=attachment.size,
            sha256=attachment.sha256,
        )  # fmt: skip
    return {"incidents": len(incidents), "actions": len(actions), "files": len(file.files)}


def _named(content: bytes, name: str, content_type: str) -> ContentFile:
    """Content to store that keeps its download name and type (on S3, on the object
    itself, so that the short-lived link a download redirects to need not carry them)."""
    stored = ContentFile(content)
    stored.download_name, stored.content_type = name, content_type
    return stored


def _write_receipt(transfer: OutgoingTransfer, *, name: str, school: str, now) -> None:
    """On the sender's schema: received (who and where), archived, and the child marked as
    having left on the day they moved, unless an earlier leaving date is recorded. The
    caller has locked the sender's pupil before the transfer (see LOCK ORDER)."""
    transfer.status, transfer.accepted_at, transfer.archived_at = Status.ACCEPTED, now, now
    transfer.receipt_name, transfer.receipt_school = name[:200], school[:200]
    transfer.save(
        update_fields=["status", "accepted_at", "archived_at", "receipt_name", "receipt_school"]
    )
    Pupil.objects.filter(pk=transfer.pupil_id).exclude(leaving_date__lte=transfer.moved_on).update(
        leaving_date=transfer.moved_on
    )


def _mark_failed(viewer: Viewer, incoming: IncomingTransfer, request) -> None:
    here = connection.tenant
    with transaction.atomic():
        now = timezone.now()
        waiting = _lock_arrival(pk=incoming.pk, status__in=IN_FLIGHT)
        if waiting is not None:
            waiting.status, waiting.failed_at = Status.FAILED, now
            _forget_child(waiting, "status", "failed_at")
        sender = incoming.from_school
        with sender:
            OutgoingTransfer.objects.filter(
                pk=incoming.sender_transfer_id, to_school_id=here.pk, status__in=IN_FLIGHT
            ).update(status=Status.FAILED, failed_at=now)
        _audit_in_order(
            (here, _incoming_event(AuditAction.TRANSFER_FAILED, incoming,
                                   {"from_school": sender.pk}, actor=viewer.user,
                                   request=request)),
            (sender, _receipt_event(AuditAction.TRANSFER_FAILED, incoming, viewer.user, here=here)),
        )  # fmt: skip


def _outgoing(viewer: Viewer, transfer_id: int, request) -> OutgoingTransfer:
    refuse_unless_may_handle(viewer=viewer, request=request, object_type=OUTGOING,
                             object_id=audit.loggable_id(transfer_id))  # fmt: skip
    try:
        return selectors.outgoing_transfer(transfer_id)
    except NotFound:
        _refused(request=request, viewer=viewer, object_type=OUTGOING,
                 object_id=audit.loggable_id(transfer_id), reasons=["not_found"])  # fmt: skip
        raise


def _incoming(viewer: Viewer, incoming_id: int, request) -> IncomingTransfer:
    """A transfer sent to this school: one sent to another school is not in this school's
    schema at all, so it is simply not found."""
    refuse_unless_may_handle(viewer=viewer, request=request, object_type=INCOMING,
                             object_id=audit.loggable_id(incoming_id))  # fmt: skip
    try:
        return selectors.incoming_transfer(incoming_id)
    except NotFound:
        _refused(request=request, viewer=viewer, object_type=INCOMING,
                 object_id=audit.loggable_id(incoming_id), reasons=["not_found"])  # fmt: skip
        raise


# Audit -----------------------------------------------------------------------------------------

# (school, what to record there): written last, both schools' logs in the order of their ids,
# so that two transfers crossing in opposite directions never wait on each other's log.
_Event = dict


def _audit_in_order(*events: tuple[School, _Event]) -> None:
    for school, event in sorted(events, key=lambda pair: pair[0].pk):
        with school:
            audit.record(**event)


def _outgoing_event(action, actor, transfer: OutgoingTransfer, request, detail) -> _Event:
    return {
        "action": action, "actor": actor, "object_type": OUTGOING, "object_id": transfer.pk,
        "pupil_id": transfer.pupil_id, "request": request, "detail": detail,
    }  # fmt: skip


def _incoming_event(
    action, incoming: IncomingTransfer, detail, *, actor=None, request=None, pupil=None
) -> _Event:
    """On the receiving school's log. With no actor: the sending school did it."""
    return {
        "action": action, "actor": actor, "object_type": INCOMING, "object_id": incoming.pk,
        "pupil_id": pupil, "request": request, "detail": detail,
    }  # fmt: skip


def _receipt_event(
    action, incoming: IncomingTransfer, by: User, *, here: School, pupil_id=None
) -> _Event:
    """On the sending school's log, for what the receiving school did. Its accounts are
    not the sender's, so no actor and no request (whose user would be taken for one):
    the receiving DSL's email as the label, and the receiving school's id."""
    return {
        "action": action, "actor": None, "actor_label": by.email,
        "object_type": OUTGOING, "object_id": incoming.sender_transfer_id,
        "pupil_id": pupil_id, "detail": {"by_school": here.pk, "incoming": incoming.pk},
    }  # fmt: skip


def _refused(
    *,
    request: HttpRequest | None,
    viewer: Viewer,
    reasons: list[str],
    object_type: str = "",
    object_id: int | None = None,
    pupil_id: int | None = None,
) -> None:
    audit.record(
        action=AuditAction.TRANSFER_REFUSED, actor=viewer.user, object_type=object_type,
        object_id=object_id, pupil_id=pupil_id, request=request,
        detail={"reasons": sorted(set(reasons))[:50]},
    )  # fmt: skip


@contextlib.contextmanager
def _removing_on_failure() -> Iterator[list[str]]:
    """Files stored by a transaction that does not commit are deleted."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        _delete_quietly(stored)
        raise


def _delete_quietly(keys: list[str]) -> None:
    for key in keys:
        if key:
            with contextlib.suppress(Exception):
                default_storage.delete(key)
