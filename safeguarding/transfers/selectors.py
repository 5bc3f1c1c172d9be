"""Reads for record transfers: a pupil's file as the sending school's schema holds it (read
only while the connection is on that school, for one transfer), the clock against the 5-day
deadline, and the lists and pages of the school's own transfers, through the access policy."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.concerns.models import (
    Action,
    Attachment,
    BodyMapMark,
    IncidentCategory,
    LinkedPupil,
    Risk,
    Status,
)
from safeguarding.concerns.names import hide_names
from safeguarding.concerns.taxonomy import Standard
from safeguarding.errors import NotFound
from safeguarding.people.models import Pupil
from safeguarding.records.selectors import _Redacted
from safeguarding.transfers.models import (
    IN_FLIGHT,
    IncomingTransfer,
    OutgoingTransfer,
    TransferredFile,
    TransferredIncident,
)
from safeguarding.transfers.models import Status as TransferStatus


class CopyFailed(Exception):
    """A file could not be read whole from the sending school's storage, or was not the file
    that was recorded (its SHA-256 differs)."""


# The sending side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCounts:
    incidents: int
    actions: int
    files: int


@dataclass(frozen=True)
class FileAction:
    pk: int
    kind: str
    text: str
    occurred_at: datetime.datetime
    recorded_at: datetime.datetime
    author: str
    agency: str
    reference: str
    due_date: datetime.date | None
    completed_at: datetime.datetime | None


@dataclass(frozen=True)
class FileAttachment:
    incident_id: int
    action_id: int | None
    name: str
    content_type: str
    size: int
    sha256: str
    content: bytes


@dataclass(frozen=True)
class FileIncident:
    pk: int
    occurred_at: datetime.datetime
    recorded_at: datetime.datetime
    author: str
    categories: list[str]
    standard_categories: list[str]
    text: str
    status: str
    risk: str
    role: str
    linked_roles: list[str]
    marks: list[dict]
    actions: list[FileAction] = field(default_factory=list)


@dataclass(frozen=True)
class SenderFile:
    """What an accepted transfer copies: the pupil's incidents (about them, or linked), other
    pupils' names redacted as the chronology export redacts them, each with its actions,
    body-map marks and files (files and marks only of incidents about this pupil: those
    on another child's incident are that child's)."""

    pupil: Pupil
    incidents: list[FileIncident]
    files: list[FileAttachment]


def file_counts(pupil: Pupil) -> FileCounts:
    """How much the pupil's file holds, for the receiving DSL to decide. Sender's schema."""
    incidents = policy.transferable_incidents(pupil)
    return FileCounts(
        incidents=incidents.count(),
        actions=Action.objects.filter(incident__in=incidents.values("pk")).count(),
        files=Attachment.objects.filter(incident__pupil=pupil).count(),
    )


def sender_file(transfer: OutgoingTransfer) -> SenderFile:
    """The file of the transfer's pupil, with the files' content, read on the sending
    school's schema (the caller switches to it). CopyFailed for a file that cannot be read
    or is not what was recorded."""
    pupil = transfer.pupil
    rows = list(
        policy.transferable_incidents(pupil)
        .order_by("occurred_at", "pk")
        .values(
            "pk", "pupil_id", "text", "occurred_at", "recorded_at", "status", "risk",
            "names_hidden", *_author("recorded_by"),
        )
    )  # fmt: skip
    ids = [row["pk"] for row in rows]
    own = {row["pk"] for row in rows if row["pupil_id"] == pupil.pk}
    labels, standards = _categories(ids)
    others, roles, my_roles = _people(pupil, rows)
    actions = _actions(ids)
    marks = _marks(own)
    statuses, risks = dict(Status.choices), dict(Risk.choices)

    incidents = []
    for row in rows:
        named: list = [_Redacted.of(other) for other in others[row["pk"]]]
        if row["names_hidden"]:
            named.append(pupil)

        def redact(text: str, named: list = named) -> str:
            return hide_names(text, named) if named else text

        incidents.append(
            FileIncident(
                pk=row["pk"],
                occurred_at=row["occurred_at"],
                recorded_at=row["recorded_at"],
                author=_name(row, "recorded_by"),
                categories=labels[row["pk"]],
                standard_categories=standards[row["pk"]],
                text=redact(row["text"]),
                status=statuses.get(row["status"], row["status"]),
                risk=risks.get(row["risk"], "") if row["risk"] else "",
                role=my_roles.get(row["pk"], "") if row["pk"] not in own else "",
                linked_roles=roles[row["pk"]],
                marks=[{**mark, "note": redact(mark["note"])} for mark in marks[row["pk"]]],
                actions=[replace(a, text=redact(a.text)) for a in actions[row["pk"]]],
            )
        )
    named_by_incident = {i.pk: [_Redacted.of(o) for o in others[i.pk]] for i in incidents}
    return SenderFile(pupil=pupil, incidents=incidents, files=read_files(own, named_by_incident))


def own_files(pupil: Pupil, incident_ids: set[int]) -> list[FileAttachment]:
    """The files of these incidents about the pupil, other pupils linked to each hidden in
    the files' names as `sender_file` hides them: for the off-platform bundle's FILES.txt."""
    others, _, _ = _people(pupil, [{"pk": pk, "pupil_id": pupil.pk} for pk in incident_ids])
    named = {pk: [_Redacted.of(other) for other in others[pk]] for pk in incident_ids}
    return read_files(incident_ids, named)


def read_files(
    incident_ids: set[int], named: dict[int, list] | None = None
) -> list[FileAttachment]:
    """The attachments of these incidents with their content, each checked against the
    SHA-256 recorded when it was uploaded. On the schema whose storage holds them."""
    files = []
    attachments = Attachment.objects.filter(incident__in=incident_ids).order_by("pk")
    for attachment in attachments:
        try:
            with default_storage.open(attachment.file.name, "rb") as stored:
                content = stored.read()
        except FileNotFoundError as missing:
            raise CopyFailed("A file of the record could not be read.") from missing
        if hashlib.sha256(content).hexdigest() != attachment.sha256:
            raise CopyFailed("A file of the record is not the file that was recorded.")
        others = (named or {}).get(attachment.incident_id) or []
        files.append(
            FileAttachment(
                incident_id=attachment.incident_id,
                action_id=attachment.action_id,
                name=hide_names(attachment.name, others) if others else attachment.name,
                content_type=attachment.content_type,
                size=attachment.size,
                sha256=attachment.sha256,
                content=content,
            )
        )
    return files


def _categories(ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    labels: dict[int, list[str]] = defaultdict(list)
    standards: dict[int, list[str]] = defaultdict(list)
    names = dict(Standard.choices)
    pairs = (
        IncidentCategory.objects.filter(incident__in=ids)
        .select_related("category__parent")
        .order_by("category__position", "category__name")
    )
    for pair in pairs:
        labels[pair.incident_id].append(pair.category.label)
        standard = names.get(pair.category.standard, pair.category.standard)
        if standard and standard not in standards[pair.incident_id]:
            standards[pair.incident_id].append(standard)
    return labels, standards


def _people(
    pupil: Pupil, rows: list[dict]
) -> tuple[dict[int, list[Pupil]], dict[int, list[str]], dict[int, str]]:
    """Per incident: the other pupils named on it (to redact), the roles of the other
    linked pupils, and this pupil's own role where the incident is about someone else."""
    others: dict[int, list[Pupil]] = defaultdict(list)
    roles: dict[int, list[str]] = defaultdict(list)
    mine: dict[int, str] = {}
    role_names = dict(LinkedPupil.Role.choices)
    subject_ids = {row["pupil_id"] for row in rows} - {pupil.pk}
    subjects = Pupil.objects.in_bulk(subject_ids) if subject_ids else {}
    for row in rows:
        if row["pupil_id"] in subjects:
            others[row["pk"]].append(subjects[row["pupil_id"]])
    links = LinkedPupil.objects.filter(incident__in=[row["pk"] for row in rows])
    for link in links.select_related("pupil").order_by("pk"):
        if link.pupil_id == pupil.pk:
            mine[link.incident_id] = role_names.get(link.role, link.role)
        else:
            others[link.incident_id].append(link.pupil)
            roles[link.incident_id].append(role_names.get(link.role, link.role))
    return others, roles, mine


def _actions(ids: list[int]) -> dict[int, list[FileAction]]:
    kinds = dict(Action.Kind.choices)
    found: dict[int, list[FileAction]] = defaultdict(list)
    rows = (
        Action.objects.filter(incident__in=ids)
        .order_by("occurred_at", "pk")
        .values(
            "pk", "incident_id", "kind", "text", "occurred_at", "recorded_at", "agency__name",
            "reference", "due_date", "completion__completed_at", *_author("recorded_by"),
        )
    )  # fmt: skip
    for row in rows:
        found[row["incident_id"]].append(
            FileAction(
                pk=row["pk"],
                kind=kinds.get(row["kind"], row["kind"]),
                text=row["text"],
                occurred_at=row["occurred_at"],
                recorded_at=row["recorded_at"],
                author=_name(row, "recorded_by"),
                agency=row["agency__name"] or "",
                reference=row["reference"],
                due_date=row["due_date"],
                completed_at=row["completion__completed_at"],
            )
        )
    return found


def _marks(own: set[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = defaultdict(list)
    rows = BodyMapMark.objects.filter(incident__in=own).order_by("pk")
    for row in rows.values("incident_id", "side", "x", "y", "kind", "note"):
        found[row.pop("incident_id")].append(row)
    return found


def _author(name: str) -> tuple[str, str, str]:
    return f"{name}__full_name", f"{name}__email", f"{name}__staff_profile__initials"


def _name(row: dict, name: str) -> str:
    """A member of staff by name and initials, as the chronology export names them: the
    receiving school has no account for them, so the copy keeps their name as text."""
    full = row[f"{name}__full_name"] or row[f"{name}__email"]
    initials = row[f"{name}__staff_profile__initials"]
    return f"{full} ({initials})" if initials else full


# The clock ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A transfer against the 5-day deadline, in words: "due in 3 days", "overdue by 2
    days", "received on 4 March 2027"."""

    text: str
    overdue: bool


def clock_for(
    transfer: OutgoingTransfer | IncomingTransfer, today: datetime.date | None = None
) -> Clock:
    today = today or timezone.localdate()
    if transfer.status == TransferStatus.ACCEPTED and transfer.accepted_at:
        day = timezone.localtime(transfer.accepted_at).date()
        late = day > transfer.due_by
        return Clock(f"received on {day:%-d %B %Y}" + (" (late)" if late else ""), False)
    if transfer.status == TransferStatus.REJECTED:
        return Clock("rejected: not received", False)
    if transfer.status == TransferStatus.FAILED:
        return Clock("failed: not received", True)
    if transfer.status == TransferStatus.WITHDRAWN:
        return Clock("withdrawn: not received", False)
    days = (transfer.due_by - today).days
    if days > 1:
        return Clock(f"due in {days} days", False)
    if days == 1:
        return Clock("due tomorrow", False)
    if days == 0:
        return Clock("due today", False)
    return Clock(f"overdue by {-days} day{'s' if days != -1 else ''}", True)


# The school's own transfers -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    transfer: OutgoingTransfer | IncomingTransfer
    clock: Clock


def school_transfers(viewer: Viewer) -> tuple[list[Row], list[Row]]:
    """The school's outgoing and incoming transfers, those in flight first, for the
    safeguarding team (the caller has checked `may_handle_transfers`)."""
    outgoing = OutgoingTransfer.objects.select_related("pupil", "to_school").order_by(
        "-created_at", "-pk"
    )[:200]
    incoming = IncomingTransfer.objects.select_related("from_school", "pupil").order_by(
        "-arrived_at", "-pk"
    )[:200]
    return (
        _in_flight_first([Row(t, clock_for(t)) for t in outgoing]),
        _in_flight_first([Row(t, clock_for(t)) for t in incoming]),
    )


def _in_flight_first(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: row.transfer.status not in IN_FLIGHT)


def desk_transfers(viewer: Viewer) -> tuple[list[Row], list[Row]]:
    """For the DSL desk: transfers waiting for this school to accept them, and this school's
    own still in flight, each with its clock. Two queries; none for those not on the team."""
    if not policy.may_handle_transfers(viewer):
        return [], []
    waiting = IncomingTransfer.objects.filter(status__in=IN_FLIGHT).select_related("from_school")
    sent = OutgoingTransfer.objects.filter(status__in=IN_FLIGHT).select_related(
        "pupil", "to_school"
    )
    return (
        [Row(t, clock_for(t)) for t in waiting.order_by("due_by", "pk")],
        [Row(t, clock_for(t)) for t in sent.order_by("due_by", "pk")],
    )


def outgoing_transfer(transfer_id: int, *, lock: bool = False) -> OutgoingTransfer:
    found = OutgoingTransfer.objects.select_related("pupil", "to_school", "created_by")
    if lock:
        found = found.select_for_update(of=("self",))
    transfer = found.filter(pk=transfer_id).first() if 0 < transfer_id < 2**63 else None
    if transfer is None:
        raise NotFound("No such transfer.")
    return transfer


def incoming_transfer(incoming_id: int, *, lock: bool = False) -> IncomingTransfer:
    found = IncomingTransfer.objects.select_related("from_school", "pupil", "accepted_by")
    if lock:
        found = found.select_for_update(of=("self",))
    incoming = found.filter(pk=incoming_id).first() if 0 < incoming_id < 2**63 else None
    if incoming is None:
        raise NotFound("No such transfer.")
    return incoming


# The copy, where it shows ---------------------------------------------------------------------


def received_files(viewer: Viewer, pupil: Pupil) -> list[IncomingTransfer]:
    """The files other schools transferred for this pupil, accepted here: for the pupil's
    page, to the safeguarding team only (nobody else learns there is one)."""
    if not policy.may_read_transferred(viewer):
        return []
    return list(
        IncomingTransfer.objects.filter(pupil=pupil, status=TransferStatus.ACCEPTED)
        .select_related("from_school")
        .order_by("-accepted_at")
    )


@dataclass(frozen=True)
class ReceivedFile:
    incoming: IncomingTransfer
    incidents: list[TransferredIncident]


def received_file(viewer: Viewer, incoming_id: int) -> ReceivedFile:
    """A transferred file as its read-only page shows it. NotFound for anyone the policy
    does not let read it, and for anything but an accepted transfer of this school."""
    if not policy.may_read_transferred(viewer):
        raise NotFound("No such file.")
    incoming = incoming_transfer(incoming_id)
    if incoming.status != TransferStatus.ACCEPTED:
        raise NotFound("No such file.")
    incidents = (
        TransferredIncident.objects.filter(incoming=incoming)
        .prefetch_related("actions", "files")
        .order_by("occurred_at", "pk")
    )
    return ReceivedFile(incoming=incoming, incidents=list(incidents))


def transferred_attachment(viewer: Viewer, file_id: int) -> TransferredFile:
    if not policy.may_read_transferred(viewer) or not 0 < file_id < 2**63:
        raise NotFound("No such file.")
    found = TransferredFile.objects.filter(pk=file_id).first()
    if found is None:
        raise NotFound("No such file.")
    return found


@dataclass(frozen=True)
class Match:
    """Whom accepting an arrival would file it under, for the DSL to see before accepting:
    the pupil here with its UPN (on roll or a leaver), or None for a new pupil. A pupil with
    the UPN and another date of birth may be another child: accepting is refused."""

    pupil: Pupil | None
    date_of_birth_differs: bool


def receiving_match(incoming: IncomingTransfer) -> Match:
    pupil = Pupil.objects.filter(upn=incoming.upn).first() if incoming.upn else None
    if pupil is None:
        return Match(pupil=None, date_of_birth_differs=False)
    return Match(pupil=pupil, date_of_birth_differs=pupil.date_of_birth != incoming.date_of_birth)


def destinations(current_school_id: int) -> QuerySet:
    """The schools a file may be sent to on Haven: active, not a training copy, not this
    school. Names (and trusts) only are shown."""
    from tenants.models import School

    return (
        School.objects.filter(status=School.Status.ACTIVE, training_of__isnull=True)
        .exclude(pk=current_school_id)
        .exclude(schema_name__in=not_schools())
        .select_related("trust")
        .order_by("name")
    )


def not_schools() -> list[str]:
    """The platform's own schema and the template: never a destination."""
    from django.conf import settings
    from django_tenants.utils import get_public_schema_name

    return [get_public_schema_name(), settings.HAVEN_TEMPLATE_SCHEMA]
