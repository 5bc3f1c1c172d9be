"""Subject access requests: recorded as a draft, reviewed, released once and downloaded
again, by the safeguarding team only (policy.may_handle_sar); every step, and every
refusal, in the audit log."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns.selectors import visible_pupil
from safeguarding.errors import NotFound, NotPermitted, Problems
from safeguarding.people.models import Pupil
from safeguarding.records.models import RecordsSettings, Requester, SubjectAccessRequest
from safeguarding.records.sar_forms import SarChoice
from safeguarding.records.sar_selectors import (
    Clock,
    SarFile,
    clock_for,
    released_file,
    sar_file,
    visible_request,
)
from safeguarding.records.services import Download, check_period

OBJECT_TYPE = "subject_access_request"
# A request is answered within a month of receipt: one received longer ago than this is a
# mistyped date.
RECEIVED_WITHIN = datetime.timedelta(days=365)


@dataclass(frozen=True)
class Review:
    """A request as its page shows it: the file as it would be released (None once it is
    released, or while names are hidden on screen), and its clock."""

    request: SubjectAccessRequest
    clock: Clock
    file: SarFile | None


def refuse_unless_may_handle_sar(
    *,
    viewer: Viewer,
    request: HttpRequest | None = None,
    pupil_id: int | None = None,
    sar_id: int | None = None,
) -> None:
    """NotPermitted, with the reason in words, for anyone outside the safeguarding team (or
    in it without a second factor this session); the attempt goes in the audit log first.
    The same answer whether or not the pupil or request exists."""
    if policy.may_handle_sar(viewer):
        return
    _refused(
        viewer=viewer,
        request=request,
        pupil_id=pupil_id,
        sar_id=sar_id,
        reason="second_factor" if viewer.held else "role",
    )
    if viewer.held:
        raise NotPermitted(
            "Subject access requests need a second factor in this session: "
            "elevate your access, then try again."
        )
    raise NotPermitted("Only the safeguarding team can handle subject access requests.")


def pupil_for_request(
    *, viewer: Viewer, pupil_id: int, request: HttpRequest | None = None
) -> Pupil:
    """The pupil a new request would be about: refused as above, NotFound (audited) for
    an id that is no pupil of this school."""
    refuse_unless_may_handle_sar(viewer=viewer, request=request, pupil_id=pupil_id)
    try:
        return visible_pupil(viewer, pupil_id)
    except NotFound:
        _refused(viewer=viewer, request=request, pupil_id=pupil_id, reason="not_found")
        raise


def create_request(
    *,
    viewer: Viewer,
    pupil_id: int,
    choice: SarChoice,
    request: HttpRequest | None = None,
) -> SubjectAccessRequest:
    """A draft request for the pupil's file.

    - NotPermitted (audited) without the right; NotFound (audited) for a pupil who is not
      one of this school's;
    - Invalid, naming each field, for a bad choice: nothing is created.
    """
    pupil = pupil_for_request(viewer=viewer, pupil_id=pupil_id, request=request)
    staff_as_initials = _checked(choice)
    with transaction.atomic():
        sar = SubjectAccessRequest.objects.create(
            pupil=pupil,
            requested_by=choice.requested_by,
            received_on=choice.received_on,
            date_from=choice.date_from,
            date_to=choice.date_to,
            staff_as_initials=staff_as_initials,
            created_by=viewer.user,
        )
        audit.record(
            action=AuditAction.SAR_CREATED,
            actor=viewer.user,
            object_type=OBJECT_TYPE,
            object_id=sar.pk,
            pupil_id=pupil.pk,
            request=request,
            detail={
                "requester": sar.requested_by,
                "received": sar.received_on.isoformat(),
                "from": sar.date_from.isoformat() if sar.date_from else None,
                "to": sar.date_to.isoformat() if sar.date_to else None,
                "staff_initials": sar.staff_as_initials,
            },
        )
    return sar


def open_request(
    *,
    viewer: Viewer,
    sar_id: int,
    school_name: str,
    show_file: bool = True,
    request: HttpRequest | None = None,
) -> Review:
    """A request and, while it is a draft (and `show_file`), its file as it would be
    released now; reading the file is audited, as reading a chronology is."""
    sar = _request(viewer=viewer, sar_id=sar_id, request=request)
    file = None
    if show_file and not sar.is_released:
        file = sar_file(viewer, sar, school_name=school_name)
        audit.record(
            action=AuditAction.SAR_REVIEWED,
            actor=viewer.user,
            object_type=OBJECT_TYPE,
            object_id=sar.pk,
            pupil_id=sar.pupil_id,
            request=request,
            detail={"incidents": len(file.export.incidents)},
        )
    return Review(request=sar, clock=clock_for(sar), file=file)


def release_request(
    *,
    viewer: Viewer,
    sar_id: int,
    reviewed: str,
    confirmed: bool,
    school_name: str,
    request: HttpRequest | None = None,
) -> Download:
    """Releases the file, once, and gives it as a PDF; the file is kept as released.

    - A request already released gives its file again (a download, not a second release).
    - Invalid without the confirmation, or when the file is no longer what was reviewed
      (`reviewed` is the reviewed file's digest): nothing is released.
    """
    sar = _request(viewer=viewer, sar_id=sar_id, request=request)
    if sar.is_released:
        return _download(viewer=viewer, sar=sar, request=request)
    problems = Problems()
    if not confirmed:
        problems.add(
            "confirmed", "Tick the box to confirm you have read every entry and its redactions."
        )
    file = sar_file(viewer, sar, school_name=school_name)
    if reviewed != file.digest:
        problems.add(
            "reviewed",
            "Something in this file changed since you reviewed it: read it again below, "
            "then release it.",
        )
    problems.raise_if_any()
    content = sar_pdf(file)
    with transaction.atomic():
        locked = visible_request(viewer, sar.pk, lock=True)
        if locked.is_released:  # released by someone else meanwhile: theirs stands
            return _download(viewer=viewer, sar=locked, request=request)
        locked.status = SubjectAccessRequest.Status.RELEASED
        locked.released_at = timezone.now()
        locked.released_by = viewer.user
        locked.released_file = content
        locked.released_sha256 = hashlib.sha256(content).hexdigest()
        locked.save(
            update_fields=[
                "status", "released_at", "released_by", "released_file", "released_sha256"
            ]
        )  # fmt: skip
        audit.record(
            action=AuditAction.SAR_RELEASED,
            actor=viewer.user,
            object_type=OBJECT_TYPE,
            object_id=locked.pk,
            pupil_id=locked.pupil_id,
            request=request,
            detail={
                "incidents": len(file.export.incidents),
                "actions": file.export.action_count,
                "staff_initials": locked.staff_as_initials,
                "bytes": len(content),
            },
        )
    return Download(content=content, content_type="application/pdf", filename=locked.filename)


def download_released(
    *, viewer: Viewer, sar_id: int, request: HttpRequest | None = None
) -> Download:
    """The file exactly as released; NotPermitted while the request is a draft."""
    sar = _request(viewer=viewer, sar_id=sar_id, request=request)
    if not sar.is_released:
        raise NotPermitted(
            "This request has not been released yet: review its file, then release it."
        )
    return _download(viewer=viewer, sar=sar, request=request)


def set_staff_naming(
    *, viewer: Viewer, staff_as_initials: bool | None, request: HttpRequest | None = None
) -> RecordsSettings:
    """The school's setting for how new requests name staff. Invalid when neither was
    chosen. Requests already made keep their own."""
    refuse_unless_may_handle_sar(viewer=viewer, request=request)
    if staff_as_initials is None:
        Problems({"staff_names": ["Choose initials or full names."]}).raise_if_any()
    with transaction.atomic():
        settings, _ = RecordsSettings.objects.select_for_update().get_or_create(pk=1)
        settings.sar_staff_as_initials = bool(staff_as_initials)
        settings.save()
        audit.record(
            action=AuditAction.RECORDS_SETTINGS_CHANGED,
            actor=viewer.user,
            request=request,
            detail={"sar_staff_initials": settings.sar_staff_as_initials},
        )
    return settings


def sar_pdf(file: SarFile) -> bytes:
    """The file as a PDF: the school, the request, the pupil, what was redacted, then each
    incident with its actions and changes, "Page X of Y" and who released it on each page."""
    # Imported when first needed, as for the chronology: WeasyPrint is slow to import.
    from safeguarding.records.pdf import write_pdf

    return write_pdf(render_to_string("records/pdf/sar.html", {"file": file}))


def _checked(choice: SarChoice) -> bool:
    """The choice's staff naming, or Invalid with every problem at once: who asked not one
    of the list, no date received or one after today or over a year ago, dates of the
    incidents outside 1990 to today or the wrong way round, no staff naming."""
    problems = Problems({name: list(messages) for name, messages in choice.errors.items()})
    if choice.requested_by not in Requester.values:
        problems.add("requested_by", "Choose who asked.")
    today = timezone.localdate()
    earliest = today - RECEIVED_WITHIN
    if "received_on" not in problems.errors:
        if choice.received_on is None:
            problems.add("received_on", "Enter the date the request was received.")
        elif choice.received_on > today:
            problems.add("received_on", f"Choose a date no later than today, {today:%-d %B %Y}.")
        elif choice.received_on < earliest:
            problems.add(
                "received_on",
                f"Choose a date within the last year, on or after {earliest:%-d %B %Y}: "
                "a request is answered within a month of receipt.",
            )
    check_period(problems, choice.date_from, choice.date_to)
    if choice.staff_as_initials is None:
        problems.add("staff_names", "Choose initials or full names.")
    problems.raise_if_any()
    return bool(choice.staff_as_initials)


def _request(*, viewer: Viewer, sar_id: int, request: HttpRequest | None) -> SubjectAccessRequest:
    refuse_unless_may_handle_sar(viewer=viewer, request=request, sar_id=sar_id)
    try:
        return visible_request(viewer, sar_id)
    except NotFound:
        _refused(viewer=viewer, request=request, sar_id=sar_id, reason="not_found")
        raise


def _download(
    *, viewer: Viewer, sar: SubjectAccessRequest, request: HttpRequest | None
) -> Download:
    content = released_file(sar)
    audit.record(
        action=AuditAction.SAR_DOWNLOADED,
        actor=viewer.user,
        object_type=OBJECT_TYPE,
        object_id=sar.pk,
        pupil_id=sar.pupil_id,
        request=request,
        detail={"bytes": len(content)},
    )
    return Download(content=content, content_type="application/pdf", filename=sar.filename)


def _refused(
    *,
    viewer: Viewer,
    request: HttpRequest | None,
    reason: str,
    pupil_id: int | None = None,
    sar_id: int | None = None,
) -> None:
    """A refusal in the audit log: the pupil or request asked for, when the id is one the
    log can hold. An id that is no pupil here goes in as the object, not as the pupil."""
    found = reason != "not_found"
    audit.record(
        action=AuditAction.SAR_REFUSED,
        actor=viewer.user,
        object_type=OBJECT_TYPE if sar_id is not None else ("pupil" if pupil_id else ""),
        object_id=audit.loggable_id(sar_id) if sar_id is not None else audit.loggable_id(pupil_id),
        pupil_id=audit.loggable_id(pupil_id) if found else None,
        request=request,
        detail={"reason": reason},
    )
