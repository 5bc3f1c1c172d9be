"""Reads of a school's concerns, shaped for its pages and API, always through the policy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import PurePath

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.models import IncidentGrant
from safeguarding.access.policy import Viewer
from safeguarding.concerns.models import (
    Action,
    Attachment,
    Category,
    Incident,
    IncidentCategory,
    IncidentChange,
    LinkedPupil,
    Status,
)
from safeguarding.concerns.names import hide_names
from safeguarding.display import hiding_names
from safeguarding.errors import NotFound
from safeguarding.people.models import Pupil

STAFF = ("recorded_by", "recorded_by__staff_profile")


@dataclass(frozen=True)
class ChronologyEntry:
    """One line of a pupil's chronology, as plain values: an incident, an action on one, or a
    DSL's change to one. (A chronology can run to hundreds of lines; building model objects
    for each costs more than the page itself.)"""

    when: datetime.datetime
    kind: str  # "incident", "action" or "change"
    incident_id: int
    author: str  # staff initials
    what: str = ""  # the action's or change's kind, in words
    text: str = ""  # what was written, with initials once the incident's names are hidden
    labels: tuple[str, ...] = ()  # an incident's categories
    role: str = ""  # the pupil's role when the incident is about someone else
    action_id: int | None = None

    @property
    def reference(self) -> str:
        return f"#{self.incident_id}"


def incident_detail(viewer: Viewer, incident_id: int) -> Incident:
    """An incident with everything its page shows, or NotFound if the viewer may not see it."""
    incident = (
        policy.visible_incidents(viewer)
        .select_related("pupil__form", "pupil__year_group", *STAFF)
        .prefetch_related(
            Prefetch("categories", Category.objects.select_related("parent")),
            Prefetch("links", LinkedPupil.objects.select_related("pupil")),
            "marks",
            "agencies",
            Prefetch("attachments", queryset=_attachments()),
            Prefetch("actions", queryset=_actions()),
            Prefetch("changes", IncidentChange.objects.select_related("changed_by__staff_profile")),
        )
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def shown_text(incident: Incident, text: str) -> str:
    """Text written on an incident (its own, an action's) as it is shown: with the pupils'
    names as initials once a DSL has hidden them. The stored text never changes."""
    if not incident.hides_names:
        return text
    return hide_names(text, [incident.pupil, *(link.pupil for link in incident.links.all())])


def display_text(incident: Incident) -> str:
    return shown_text(incident, incident.text)


def file_label(incident: Incident, attachment: Attachment) -> str:
    """A file's name as shown. Uploaded names often carry a child's name in a form no text
    rule can be sure of ("amara.jpg"), so with names hidden a file shows by its number; the
    download keeps its own name."""
    if not incident.hides_names:
        return attachment.name
    return f"file-{attachment.pk}{PurePath(attachment.name).suffix.lower()}"


def pupil_chronology(viewer: Viewer, pupil: Pupil) -> list[ChronologyEntry]:
    """The pupil's incidents (as subject or linked), their actions and DSL changes, newest
    first, limited to what the viewer may see. Five queries however long it is; seven when
    a DSL has hidden the names on some of them."""
    roles = dict(LinkedPupil.objects.filter(pupil=pupil).values_list("incident_id", "role"))
    role_names = dict(LinkedPupil.Role.choices)
    incidents = list(
        policy.visible_incidents(viewer)
        .filter(Q(pupil=pupil) | Q(pk__in=list(roles)))
        .values("pk", "pupil_id", "text", "occurred_at", "names_hidden", *_author("recorded_by"))
    )
    ids = [row["pk"] for row in incidents]
    hidden = _pupils_of([row["pk"] for row in incidents if row["names_hidden"] or hiding_names()])

    def shown(incident_id: int, text: str) -> str:
        return hide_names(text, hidden[incident_id]) if incident_id in hidden else text

    labels: dict[int, list[str]] = {pk: [] for pk in ids}
    pairs = IncidentCategory.objects.filter(incident__in=ids).values_list(
        "incident_id", "category_id"
    )
    for incident_id, category_id in pairs:
        if category := viewer.categories.get(category_id):
            labels[incident_id].append(category.label)
    entries = [
        ChronologyEntry(
            when=row["occurred_at"],
            kind="incident",
            incident_id=row["pk"],
            author=_initials(row, "recorded_by"),
            text=shown(row["pk"], row["text"]),
            labels=tuple(labels[row["pk"]]),
            role=role_names[roles[row["pk"]]] if row["pupil_id"] != pupil.pk else "",
        )
        for row in incidents
    ]
    action_kinds = dict(Action.Kind.choices)
    for row in Action.objects.filter(incident__in=ids).values(
        "pk", "incident_id", "kind", "text", "occurred_at", *_author("recorded_by")
    ):
        entries.append(
            ChronologyEntry(
                when=row["occurred_at"],
                kind="action",
                incident_id=row["incident_id"],
                author=_initials(row, "recorded_by"),
                what=action_kinds[row["kind"]],
                text=shown(row["incident_id"], row["text"]),
                action_id=row["pk"],
            )
        )
    change_kinds = dict(IncidentChange.Kind.choices)
    for row in IncidentChange.objects.filter(incident__in=ids).values(
        "incident_id", "kind", "reason", "changed_at", *_author("changed_by")
    ):
        entries.append(
            ChronologyEntry(
                when=row["changed_at"],
                kind="change",
                incident_id=row["incident_id"],
                author=_initials(row, "changed_by"),
                what=change_kinds[row["kind"]],
                text=shown(row["incident_id"], row["reason"]),
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _pupils_of(incident_ids: list[int]) -> dict[int, list[Pupil]]:
    """The pupils named on each incident (subject and linked), for hiding their names; no
    query when there are none."""
    if not incident_ids:
        return {}
    named: dict[int, list[Pupil]] = {pk: [] for pk in incident_ids}
    for incident in Incident.objects.filter(pk__in=incident_ids).select_related("pupil"):
        named[incident.pk].append(incident.pupil)
    for link in LinkedPupil.objects.filter(incident__in=incident_ids).select_related("pupil"):
        named[link.incident_id].append(link.pupil)
    return named


def _author(field: str) -> tuple[str, str]:
    return f"{field}__email", f"{field}__staff_profile__initials"


def _initials(row: dict, field: str) -> str:
    return row[f"{field}__staff_profile__initials"] or row[f"{field}__email"]


def open_category_titles(viewer: Viewer, pupil: Pupil) -> list[Category]:
    """Categories of the pupil's active incidents whose titles the viewer may see, even when
    the incidents themselves are hidden from them (Abbey: "SLT can see all categories which
    a student has open to them but they will not see individual incidents")."""
    categories = (
        Category.objects.filter(incidents__status=Status.ACTIVE, incidents__pupil=pupil)
        .select_related("parent")
        .distinct()
    )
    return [c for c in categories if policy.may_see_category_title(viewer, c.pk)]


def visible_pupil(viewer: Viewer, pupil_id: int) -> Pupil:
    pupil = (
        policy.visible_pupils(viewer)
        .select_related("year_group", "form")
        .filter(pk=pupil_id)
        .first()
    )
    if pupil is None:
        raise NotFound("No such pupil.")
    return pupil


def my_recent_incidents(viewer: Viewer, limit: int = 10) -> QuerySet[Incident]:
    return (
        policy.visible_incidents(viewer)
        .filter(recorded_by=viewer.user)
        .select_related("pupil")
        .prefetch_related("categories")
        .order_by("-recorded_at")[:limit]
    )


def incidents_alerted_to(viewer: Viewer, limit: int = 10) -> QuerySet[Incident]:
    grants = IncidentGrant.objects.filter(user=viewer.user, incident=OuterRef("pk"))
    return (
        policy.visible_incidents(viewer)
        .filter(Exists(grants))
        .select_related("pupil", *STAFF)
        .prefetch_related("categories")
        .order_by("-recorded_at")[:limit]
    )


def recent_incidents(viewer: Viewer, limit: int = 15) -> QuerySet[Incident]:
    """For those who read beyond their own: the newest incidents they may see."""
    return (
        policy.visible_incidents(viewer)
        .select_related("pupil", *STAFF)
        .prefetch_related("categories")
        .order_by("-recorded_at")[:limit]
    )


def my_open_actions(viewer: Viewer) -> QuerySet[Action]:
    """Actions assigned to the viewer and not yet complete, soonest due first."""
    return (
        _actions()
        .filter(
            assignee=viewer.user,
            completion__isnull=True,
            incident__in=policy.visible_incidents(viewer),
        )
        .select_related("incident__pupil")
        .order_by("due_date", "occurred_at")
    )


def is_overdue(action: Action) -> bool:
    """Derived, never stored: past its due date with no completion."""
    completed = getattr(action, "completion", None) is not None
    return action.due_date is not None and action.due_date < timezone.localdate() and not completed


def _actions() -> QuerySet[Action]:
    return Action.objects.select_related(
        *STAFF, "agency", "assignee__staff_profile", "completion"
    ).prefetch_related(Prefetch("attachments", queryset=_attachments()))


def _attachments() -> QuerySet[Attachment]:
    return Attachment.objects.select_related("uploaded_by")
