"""Writes to a school's concerns: recording incidents and actions, DSL changes, and the
category and agency lists.

Every function checks all of its input first (collecting every problem, per field) and then
writes in one transaction; files are stored inside it and removed again if it fails, so a
refused or failed request leaves no incident, no action and no orphan file behind.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.models import CategoryPermission
from safeguarding.access.policy import Viewer
from safeguarding.alerts import services as alerts
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns import catalogue
from safeguarding.concerns.files import MAX_FILES, CheckedFile, check_upload
from safeguarding.concerns.models import (
    TEXT_LIMIT,
    Action,
    ActionCompletion,
    Agency,
    Attachment,
    BodyMapMark,
    Category,
    Incident,
    IncidentAgency,
    IncidentCategory,
    IncidentChange,
    LinkedPupil,
    Risk,
    Status,
)
from safeguarding.concerns.taxonomy import Standard
from safeguarding.errors import NON_FIELD, Invalid, NotFound, NotPermitted, Problems
from safeguarding.people.models import Pupil
from safeguarding.text import clean_text

# Clocks on phones drift; an event a few minutes "in the future" is a clock, not a mistake.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class Mark:
    side: str
    x: int
    y: int
    kind: str
    note: str = ""


@dataclass(frozen=True)
class Link:
    pupil_id: int
    role: str = LinkedPupil.Role.INVOLVED


@dataclass(frozen=True)
class Upload:
    file: object
    name: str


# Recording ---------------------------------------------------------------------------------


def record_incident(
    *,
    viewer: Viewer,
    pupil_id: int | None,
    text: str,
    category_ids: Sequence[int],
    occurred_at: datetime.datetime | None,
    status: str = Status.ACTIVE,
    links: Sequence[Link] = (),
    marks: Sequence[Mark] = (),
    agency_ids: Sequence[int] = (),
    alert_user_ids: Sequence[int] = (),
    uploads: Sequence[Upload] = (),
) -> Incident:
    """Record a concern about a pupil, exactly as submitted; it can never be edited."""
    problems = Problems()
    pupil = _recordable_pupil(viewer, pupil_id, problems, field_name="pupil")
    with problems.check("text"):
        text = clean_text(text, label="incident", limit=TEXT_LIMIT)
    categories = _recordable_categories(viewer, category_ids, problems)
    with problems.check("occurred_at"):
        occurred_at = _event_time(occurred_at, pupil)
    if status not in (Status.ACTIVE, Status.NO_FURTHER_ACTION):
        problems.add("status", "Choose Active or No further action.")
    links = _checked_links(viewer, links, pupil, problems)
    marks = _checked_marks(marks, problems)
    agencies = _active_agencies(agency_ids, problems)
    alerted = _alertable_staff(alert_user_ids, problems)
    files = _checked_uploads(uploads, problems)
    problems.raise_if_any()

    with _refusing_what_went_away(), _removing_files_on_failure() as stored:
        incident = Incident.objects.create(
            pupil=pupil,
            text=text,
            occurred_at=occurred_at,
            recorded_by=viewer.user,
            status=status,
        )
        IncidentCategory.objects.bulk_create(
            IncidentCategory(incident=incident, category=category) for category in categories
        )
        if agencies:
            IncidentAgency.objects.bulk_create(
                IncidentAgency(incident=incident, agency=agency) for agency in agencies
            )
        if links:
            LinkedPupil.objects.bulk_create(
                LinkedPupil(incident=incident, pupil=linked, role=role) for linked, role in links
            )
        if marks:
            BodyMapMark.objects.bulk_create(
                BodyMapMark(incident=incident, **mark.__dict__) for mark in marks
            )
        alerts.notify_incident(
            incident=incident,
            viewer=viewer,
            category_ids=[category.pk for category in categories],
            manual_user_ids=[user.pk for user in alerted],
        )
        _store(files, incident=incident, action=None, by=viewer.user, stored=stored)
    return incident


def add_action(
    *,
    viewer: Viewer,
    incident_id: int,
    kind: str,
    text: str,
    occurred_at: datetime.datetime | None = None,
    agency_id: int | None = None,
    reference: str = "",
    assignee_id: int | None = None,
    due_date: datetime.date | None = None,
    alert_user_ids: Sequence[int] = (),
    uploads: Sequence[Upload] = (),
) -> Action:
    """Record a follow-up on an incident the viewer may see. A forwarded incident or an
    assigned action lets its assignee read the incident from then on."""
    incident = _visible_incident(viewer, incident_id)
    if not policy.may_add_action(viewer, incident):
        raise NotPermitted("The pupil has left; their record is read-only.")
    problems = Problems()
    if kind not in Action.Kind.values:
        problems.add("kind", "Choose what kind of action this is.")
    with problems.check("text"):
        text = clean_text(text, label="action", limit=TEXT_LIMIT)
    with problems.check("occurred_at"):
        occurred_at = _event_time(occurred_at or timezone.now(), incident.pupil)
    agency = None
    if agency_id:
        agency = Agency.objects.filter(pk=agency_id, retired_at__isnull=True).first()
        if agency is None:
            problems.add("agency", "Choose an agency from the list.")
    elif kind == Action.Kind.REFERRAL:
        problems.add("agency", "A referral needs the agency it was made to.")
    with problems.check("reference"):
        reference = clean_text(reference, label="reference", limit=100, required=False)
    assignee = None
    if assignee_id:
        found = _alertable_staff([assignee_id], problems, field_name="assignee")
        assignee = found[0] if found else None
    elif kind == Action.Kind.FORWARDED:
        problems.add("assignee", "Choose the team member the incident is forwarded to.")
    if due_date is not None and due_date < timezone.localdate():
        problems.add("due_date", "A due date cannot be in the past.")
    alerted = _alertable_staff(alert_user_ids, problems)
    if (assignee or alerted) and not policy.may_pass_on(viewer, incident):
        problems.add(
            "assignee" if assignee else "alert",
            "You can add to this incident, but not pass it on: ask the safeguarding team "
            "to alert or assign someone else.",
        )
    files = _checked_uploads(uploads, problems)
    problems.raise_if_any()

    with _removing_files_on_failure() as stored:
        action = Action.objects.create(
            incident=incident,
            kind=kind,
            text=text,
            occurred_at=occurred_at,
            recorded_by=viewer.user,
            agency=agency,
            reference=reference,
            assignee=assignee,
            due_date=due_date,
        )
        # The assignee and those alerted are notified, and may read the incident from now.
        alerts.notify_action(
            action=action, viewer=viewer, manual_user_ids=[user.pk for user in alerted]
        )
        # A DSL acting on it has seen it: its escalation stops.
        alerts.acknowledge(incident_id=incident.pk, viewer=viewer)
        _store(files, incident=incident, action=action, by=viewer.user, stored=stored)
    return action


def complete_action(*, viewer: Viewer, action_id: int, note: str = "") -> ActionCompletion:
    action = policy.visible_actions(viewer).filter(pk=action_id).first()
    if action is None:
        raise NotFound("No such action.")
    if action.assignee_id != viewer.user.pk and not viewer.is_admin:
        raise NotPermitted("Only the person it is assigned to, or a DSL, can complete it.")
    try:
        note = clean_text(note, label="note", limit=500, required=False)
    except ValueError as error:
        raise Invalid({"note": str(error)}) from None
    try:
        with transaction.atomic():
            return ActionCompletion.objects.create(
                action=action, completed_by=viewer.user, note=note
            )
    except IntegrityError:
        raise Invalid({NON_FIELD: "This action is already complete."}) from None


# DSL changes -------------------------------------------------------------------------------


def recategorise(
    *,
    viewer: Viewer,
    incident_id: int,
    category_ids: Sequence[int],
    reason: str = "",
    request: HttpRequest | None = None,
) -> IncidentChange:
    incident = _changeable_incident(viewer, incident_id)
    problems = Problems()
    wanted = _existing_categories(category_ids, problems)
    with problems.check("reason"):
        reason = clean_text(reason, label="reason", limit=500, required=False)
    problems.raise_if_any()
    with transaction.atomic():
        before = sorted(incident.categories.values_list("pk", flat=True))
        after = sorted(category.pk for category in wanted)
        if before == after:
            raise Invalid({"categories": "Those are already the incident's categories."})
        # The record of the change comes first: the database lets the categories change
        # only beside it (concerns migration 0004).
        change = IncidentChange.objects.create(
            incident=incident,
            kind=IncidentChange.Kind.CATEGORIES,
            before=_labels(before),
            after=_labels(after),
            reason=reason,
            changed_by=viewer.user,
        )
        IncidentCategory.objects.filter(incident=incident).exclude(category__in=wanted).delete()
        IncidentCategory.objects.bulk_create(
            [
                IncidentCategory(incident=incident, category_id=pk)
                for pk in after
                if pk not in before
            ]
        )
        _audit_change(viewer, incident, change, before, after, request)
        return change


def set_status(
    *,
    viewer: Viewer,
    incident_id: int,
    status: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> IncidentChange:
    if status not in Status.values:
        raise Invalid({"status": "Choose Active, No further action or Closed."})
    return _change_field(
        viewer, incident_id, "status", status, IncidentChange.Kind.STATUS, reason, request
    )


def set_risk(
    *,
    viewer: Viewer,
    incident_id: int,
    risk: str,
    reason: str,
    request: HttpRequest | None = None,
) -> IncidentChange:
    if risk not in Risk.values:
        raise Invalid({"risk": "Choose low, medium or high."})
    if not (reason or "").strip():
        raise Invalid({"reason": "Give the reason for this risk level."})
    return _change_field(
        viewer, incident_id, "risk", risk, IncidentChange.Kind.RISK, reason, request
    )


def set_names_hidden(
    *,
    viewer: Viewer,
    incident_id: int,
    hidden: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> IncidentChange:
    return _change_field(
        viewer,
        incident_id,
        "names_hidden",
        bool(hidden),
        IncidentChange.Kind.NAMES_HIDDEN,
        reason,
        request,
    )


def _change_field(viewer, incident_id, name, value, kind, reason, request) -> IncidentChange:
    incident = _changeable_incident(viewer, incident_id)
    try:
        reason = clean_text(reason, label="reason", limit=500, required=False)
    except ValueError as error:
        raise Invalid({"reason": str(error)}) from None
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        before = getattr(incident, name)
        if before == value:
            raise Invalid({name: "The incident already has that value."})
        # Recorded first: the database lets the incident change only beside its record.
        change = IncidentChange.objects.create(
            incident=incident,
            kind=kind,
            before={name: before},
            after={name: value},
            reason=reason,
            changed_by=viewer.user,
        )
        setattr(incident, name, value)
        incident.save(update_fields=[name])
        _audit_change(viewer, incident, change, before, value, request)
        return change


def _audit_change(viewer, incident, change, before, after, request) -> None:
    """In the change's own transaction, and last in it: the log stays locked until commit.
    Codes, flags and category ids only; the reason given is the incident's, not the log's."""
    audit.record(
        action=AuditAction.INCIDENT_CHANGED,
        actor=viewer.user,
        object_type="incident",
        object_id=incident.pk,
        pupil_id=incident.pupil_id,
        request=request,
        detail={"change": change.kind, "change_id": change.pk, "from": before, "to": after},
    )


# Categories and agencies ------------------------------------------------------------------


def apply_template(name: str) -> dict[str, list[Category]]:
    """Create a new school's categories from a catalogue template; returns the categories
    the template opens to Heads of School, under "heads_of_school"."""
    if name not in catalogue.TEMPLATES:
        raise Invalid({"template": f"Choose one of: {', '.join(catalogue.TEMPLATES)}."})
    opened: list[Category] = []
    for position, entry in enumerate(catalogue.TEMPLATES[name]):
        parent = Category.objects.create(
            name=entry.name, standard=entry.standard, restricted=entry.restricted,
            position=position,
        )  # fmt: skip
        if entry.heads_of_school:
            opened.append(parent)
        for child_position, child in enumerate(entry.children):
            category = Category.objects.create(
                name=child.name, parent=parent, standard=child.standard,
                restricted=entry.restricted or child.restricted, position=child_position,
            )  # fmt: skip
            if child.heads_of_school:
                opened.append(category)
    Agency.objects.bulk_create(Agency(name=agency) for agency in catalogue.AGENCIES)
    return {"heads_of_school": opened}


def add_category(
    *, viewer: Viewer, name: str, standard: str, parent_id: int | None = None,
    restricted: bool = False,
) -> Category:  # fmt: skip
    _require_admin(viewer)
    problems = Problems()
    with problems.check("name"):
        name = clean_text(name, label="name", limit=100)
    if standard not in Standard.values:
        problems.add("standard", "Choose the standard category this maps to.")
    parent = _parent_for(parent_id, problems) if parent_id else None
    problems.raise_if_any()
    try:
        with transaction.atomic():
            return Category.objects.create(
                name=name, standard=standard, parent=parent,
                restricted=restricted or bool(parent and parent.restricted),
                position=Category.objects.filter(parent=parent).count(),
            )  # fmt: skip
    except IntegrityError:
        raise Invalid({"name": f"There is already a category called {name!r} here."}) from None


def rename_category(*, viewer: Viewer, category_id: int, name: str) -> Category:
    _require_admin(viewer)
    category = _category(category_id)
    try:
        name = clean_text(name, label="name", limit=100)
    except ValueError as error:
        raise Invalid({"name": str(error)}) from None
    try:
        with transaction.atomic():
            category.name = name
            category.save(update_fields=["name"])
    except IntegrityError:
        raise Invalid({"name": f"There is already a category called {name!r} here."}) from None
    return category


def move_category(*, viewer: Viewer, category_id: int, parent_id: int | None) -> Category:
    """Re-parent a category (or make it top-level); categories are two levels deep. Moved
    under a restricted category it becomes restricted too, and gives up any role levels of
    its own for the parent's; moved out, it stays as it was. A move never widens who may
    read what was recorded in it."""
    _require_admin(viewer)
    category = _category(category_id)
    problems = Problems()
    parent = _parent_for(parent_id, problems) if parent_id else None
    if parent is not None and parent.pk == category.pk:
        problems.add("parent", "A category cannot be its own parent.")
    if parent is not None and category.children.exists():
        problems.add("parent", "A category with subcategories must stay at the top level.")
    problems.raise_if_any()
    try:
        with transaction.atomic():
            category.parent = parent
            restricting = parent is not None and parent.restricted
            became_restricted, dropped = restricting and not category.restricted, 0
            if restricting:
                category.restricted = True
                dropped, _ = CategoryPermission.objects.filter(category=category).delete()
            category.save(update_fields=["parent", "restricted"])
            if became_restricted or dropped:
                audit.record(
                    action=AuditAction.PERMISSION_CHANGED,
                    actor=viewer.user,
                    object_type="category",
                    object_id=category.pk,
                    detail={"restricted": True, "role_levels_dropped": dropped},
                )
    except IntegrityError:
        raise Invalid({"parent": "There is already a category of that name there."}) from None
    return category


def retire_category(*, viewer: Viewer, category_id: int, retired: bool = True) -> Category:
    """Retired categories stay on the incidents that used them but cannot be chosen."""
    _require_admin(viewer)
    category = _category(category_id)
    with transaction.atomic():
        category.retired_at = timezone.now() if retired else None
        category.save(update_fields=["retired_at"])
        if retired:
            category.children.filter(retired_at__isnull=True).update(retired_at=timezone.now())
    return category


def delete_category(*, viewer: Viewer, category_id: int) -> None:
    """Only a category no incident has ever used may be deleted; others are retired. The
    category is locked while it is checked and deleted: an incident recorded in it at that
    moment either commits first, and the delete is refused, or is refused itself."""
    _require_admin(viewer)
    category = _category(category_id)
    refusal = Invalid({NON_FIELD: f"{category.label} has been used, so it can only be retired."})
    family = Q(pk=category.pk) | Q(parent=category)
    try:
        with transaction.atomic():
            list(Category.objects.select_for_update().filter(family).values_list("pk"))
            if IncidentCategory.objects.filter(
                category__in=Category.objects.filter(family)
            ).exists():
                raise refusal
            category.children.all().delete()
            category.delete()
    except (ProtectedError, IntegrityError):
        raise refusal from None


def add_agency(*, viewer: Viewer, name: str) -> Agency:
    _require_admin(viewer)
    try:
        name = clean_text(name, label="name", limit=100)
        with transaction.atomic():
            return Agency.objects.create(name=name)
    except ValueError as error:
        raise Invalid({"name": str(error)}) from None
    except IntegrityError:
        raise Invalid({"name": f"There is already an agency called {name!r}."}) from None


def rename_agency(*, viewer: Viewer, agency_id: int, name: str) -> Agency:
    _require_admin(viewer)
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("No such agency.")
    try:
        agency.name = clean_text(name, label="name", limit=100)
        with transaction.atomic():
            agency.save(update_fields=["name"])
    except ValueError as error:
        raise Invalid({"name": str(error)}) from None
    except IntegrityError:
        raise Invalid({"name": f"There is already an agency called {name!r}."}) from None
    return agency


def retire_agency(*, viewer: Viewer, agency_id: int, retired: bool = True) -> Agency:
    _require_admin(viewer)
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("No such agency.")
    agency.retired_at = timezone.now() if retired else None
    agency.save(update_fields=["retired_at"])
    return agency


# Checks --------------------------------------------------------------------------------------


def _recordable_pupil(viewer, pupil_id, problems, *, field_name) -> Pupil | None:
    pupil = None
    if pupil_id:
        with contextlib.suppress(TypeError, ValueError):
            pupil = policy.recordable_pupil(viewer, int(pupil_id))
    if pupil is None:
        problems.add(field_name, "Choose the pupil from the list.")
    return pupil


def _recordable_categories(viewer, category_ids, problems) -> list[Category]:
    ids = _ids(category_ids)
    if ids is None or not ids:
        problems.add("categories", "Choose at least one category.")
        return []
    found = viewer.categories
    allowed = [found[pk] for pk in ids if pk in found and policy.may_record_in(viewer, found[pk])]
    if len(allowed) != len(ids):
        problems.add("categories", "Choose categories from the list you are offered.")
    return allowed


def _existing_categories(category_ids, problems) -> list[Category]:
    ids = _ids(category_ids)
    categories = list(Category.objects.filter(pk__in=ids or [], retired_at__isnull=True))
    if not ids or len(categories) != len(ids):
        problems.add("categories", "Choose at least one category from the list.")
    return categories


def _event_time(when, pupil) -> datetime.datetime:
    if when is None:
        raise ValueError("Enter the date and time it happened.")
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + FUTURE_TOLERANCE:
        raise ValueError("The date and time cannot be in the future.")
    if pupil is not None and when.date() < pupil.date_of_birth:
        raise ValueError("The date is before the pupil was born.")
    return when


def _checked_links(viewer, links, pupil, problems) -> list[tuple[Pupil, str]]:
    checked: list[tuple[Pupil, str]] = []
    seen: set[int] = set()
    for link in links:
        linked = _recordable_pupil(viewer, link.pupil_id, problems, field_name="links")
        if linked is None:
            continue
        if pupil is not None and linked.pk == pupil.pk:
            problems.add("links", "The pupil the incident is about is already on it.")
        elif linked.pk in seen:
            problems.add("links", f"{linked.full_name} is linked twice.")
        elif link.role not in LinkedPupil.Role.values:
            problems.add("links", f"Choose {linked.full_name}'s role in the incident.")
        else:
            seen.add(linked.pk)
            checked.append((linked, link.role))
    return checked


def _checked_marks(marks, problems) -> list[Mark]:
    checked = []
    for mark in marks:
        try:
            x, y = int(mark.x), int(mark.y)
        except (TypeError, ValueError):
            x = y = -1
        if mark.side not in BodyMapMark.Side.values or not (0 <= x <= 1000 and 0 <= y <= 1000):
            problems.add("marks", "A body map mark is not on the outline; place it again.")
            continue
        if mark.kind not in BodyMapMark.Kind.values:
            problems.add("marks", "Choose what each body map mark is.")
            continue
        try:
            note = clean_text(mark.note, label="mark's note", limit=500, required=False)
        except ValueError as error:
            problems.add("marks", str(error))
            continue
        checked.append(Mark(side=mark.side, x=x, y=y, kind=mark.kind, note=note))
    return checked


def _active_agencies(agency_ids, problems) -> list[Agency]:
    if not agency_ids:
        return []
    ids = _ids(agency_ids)
    agencies = list(Agency.objects.filter(pk__in=ids or [], retired_at__isnull=True))
    if ids is None or len(agencies) != len(set(ids)):
        problems.add("agencies", "Choose agencies from the list.")
    return agencies


def _alertable_staff(user_ids, problems, field_name: str = "alert") -> list[User]:
    """Active members of staff of this school; ids from elsewhere are simply not found."""
    if not user_ids:
        return []
    ids = _ids(user_ids)
    staff = list(User.objects.filter(pk__in=ids or [], is_active=True, staff_profile__isnull=False))
    if ids is None or len(staff) != len(set(ids)):
        problems.add(field_name, "Choose staff from the list.")
    return staff


def _checked_uploads(uploads, problems) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES:
        problems.add("files", f"Attach at most {MAX_FILES} files at a time.")
        return []
    checked = []
    for upload in uploads:
        with problems.check("files"):
            checked.append(check_upload(upload.file, upload.name))
    return checked


def _ids(values: Iterable | None) -> list[int] | None:
    """Distinct integer ids in order, or None if any is not an integer."""
    try:
        ids = [int(value) for value in values or ()]
    except (TypeError, ValueError):
        return None
    return list(dict.fromkeys(ids))


def _store(files: list[CheckedFile], *, incident, action, by, stored: list[str]) -> None:
    for checked in files:
        attachment = Attachment(
            incident=incident, action=action, name=checked.name,
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
            uploaded_by=by,
        )  # fmt: skip
        content = File(checked.upload, name=checked.name)
        content.content_type, content.download_name = checked.content_type, checked.name
        attachment.file.save(checked.name, content, save=False)
        stored.append(attachment.file.name)
        attachment.save()


@contextlib.contextmanager
def _refusing_what_went_away():
    """References are checked as the transaction commits. One that fails then names
    something removed while the form was being filled in (a category a DSL deleted that
    moment): the person is told, and nothing is saved."""
    try:
        yield
    except IntegrityError as error:
        if not isinstance(error.__cause__, psycopg.errors.ForeignKeyViolation):
            raise
        raise Invalid(
            {NON_FIELD: "Something you chose was removed while you were writing, so nothing "
                        "was saved. Check the form and submit it again."}
        ) from None  # fmt: skip


@contextlib.contextmanager
def _removing_files_on_failure():
    """One transaction; if it does not commit, the files it stored are deleted."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            yield stored
    except BaseException:
        for name in stored:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise


def _visible_incident(viewer, incident_id) -> Incident:
    incident = (
        policy.visible_incidents(viewer).select_related("pupil").filter(pk=incident_id).first()
    )
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def _changeable_incident(viewer, incident_id) -> Incident:
    incident = _visible_incident(viewer, incident_id)
    if not policy.may_change_incident(viewer):
        raise NotPermitted("Only a DSL can change an incident after it is submitted.")
    return incident


def _require_admin(viewer) -> None:
    if not policy.may_manage_school(viewer):
        raise NotPermitted("Only the safeguarding team can change categories and agencies.")
    viewer.forget_categories()


def _category(category_id) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("No such category.")
    return category


def _parent_for(parent_id, problems) -> Category | None:
    parent = Category.objects.filter(pk=parent_id).first()
    if parent is None:
        problems.add("parent", "Choose a parent category from the list.")
    elif parent.parent_id is not None:
        problems.add("parent", "Subcategories cannot have subcategories of their own.")
        return None
    return parent


def _labels(category_ids: list[int]) -> list[str]:
    labels = {
        c.pk: c.label for c in Category.objects.filter(pk__in=category_ids).select_related("parent")
    }
    return [labels[pk] for pk in category_ids if pk in labels]
