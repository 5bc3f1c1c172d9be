"""What goes into a chronology export: a pupil's incidents (as subject or linked), each with
its actions and the DSL's changes, oldest first, read through the access policy with the
chosen dates and categories applied, and other pupils' names redacted when asked."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.concerns.models import (
    Action,
    Category,
    IncidentCategory,
    IncidentChange,
    LinkedPupil,
    Risk,
    Status,
)
from safeguarding.concerns.names import hide_names
from safeguarding.people.models import Pupil

# Given every text an export holds, what to apply to each (subject access requests').
Redactor = Callable[[list[str]], Callable[[str], str]]

# What a linked pupil's name becomes, in the text and in the "about" line, when the person
# exporting asks for other pupils' names to be hidden.
REDACTED = "[another pupil]"


@dataclass(frozen=True)
class ExportFilters:
    """What the person exporting chose. No dates: from the first entry to today. No
    categories: all of them; a category chosen covers its subcategories."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    category_ids: tuple[int, ...] = ()
    hide_other_pupils: bool = True


@dataclass(frozen=True)
class FollowUp:
    """An action on an incident, or a DSL's change to it, under that incident."""

    when: datetime.datetime
    kind: str  # "action" or "change"
    what: str  # the action's or change's kind, in words
    author: str
    text: str
    details: tuple[str, ...] = ()  # agency, due date, completion: short facts


@dataclass(frozen=True)
class ExportedIncident:
    pk: int
    when: datetime.datetime
    categories: tuple[str, ...]
    status: str
    risk: str
    author: str
    text: str
    about: str  # empty when the incident is about this pupil; else who it is about
    role: str  # this pupil's role, when the incident is about someone else
    followups: tuple[FollowUp, ...]

    @property
    def reference(self) -> str:
        return f"#{self.pk}"


@dataclass(frozen=True)
class ChronologyExport:
    school_name: str
    pupil: Pupil
    filters: ExportFilters
    category_labels: tuple[str, ...]  # the categories chosen, for the filters line
    incidents: tuple[ExportedIncident, ...]
    generated_by: str
    generated_at: datetime.datetime

    @property
    def action_count(self) -> int:
        return sum(f.kind == "action" for i in self.incidents for f in i.followups)


def exportable_categories(viewer: Viewer) -> list[Category]:
    """The categories an export may be limited to: those whose titles the viewer may see,
    in the school's order."""
    return [c for c in viewer.categories.values() if policy.may_see_category_title(viewer, c.pk)]


def category_groups(viewer: Viewer) -> list[tuple[Category, list[Category]]]:
    """The exportable categories, each top-level one with its subcategories, for the form."""
    categories = exportable_categories(viewer)
    ids = {c.pk for c in categories}
    groups = [
        (top, [c for c in categories if c.parent_id == top.pk])
        for top in categories
        if top.parent_id is None
    ]
    # A subcategory whose parent the viewer may not see stands on its own.
    groups += [(c, []) for c in categories if c.parent_id and c.parent_id not in ids]
    return groups


def chronology_for_export(
    viewer: Viewer,
    pupil: Pupil,
    filters: ExportFilters,
    *,
    school_name: str,
    staff_as_initials: bool = False,
    redactor: Redactor | None = None,
) -> ChronologyExport:
    """The pupil's chronology as an export holds it, limited to what the viewer may see.
    Seven queries however long it is; six when every incident is about this pupil.

    For a subject access request: staff named by initials alone rather than by full name
    and initials; and a `redactor`, given every text the export holds (what incidents,
    actions and changes say, and actions' details), says what to apply to each of them
    before other pupils' names are hidden (so that it sees the names whole)."""
    roles = dict(LinkedPupil.objects.filter(pupil=pupil).values_list("incident_id", "role"))
    incidents = policy.visible_incidents(viewer).filter(Q(pupil=pupil) | Q(pk__in=list(roles)))
    if filters.date_from:
        incidents = incidents.filter(occurred_at__gte=start_of(filters.date_from))
    if filters.date_to:
        incidents = incidents.filter(
            occurred_at__lt=start_of(filters.date_to + datetime.timedelta(days=1))
        )
    chosen = _with_subcategories(viewer, filters.category_ids)
    if chosen:
        incidents = incidents.filter(
            Exists(IncidentCategory.objects.filter(incident=OuterRef("pk"), category_id__in=chosen))
        )
    rows = list(
        incidents.order_by("occurred_at", "pk").values(
            "pk", "pupil_id", "text", "occurred_at", "status", "risk", "names_hidden",
            *_author("recorded_by"),
        )
    )  # fmt: skip
    ids = [row["pk"] for row in rows]
    labels = _labels(viewer, ids)
    others = _other_pupils(pupil, rows)
    followups = _followups(viewer, ids, staff_as_initials)
    statuses, risks = dict(Status.choices), dict(Risk.choices)
    role_names = dict(LinkedPupil.Role.choices)
    if redactor is not None:
        rows, followups = _redact_texts(redactor, rows, followups)

    exported = []
    for row in rows:
        named = _named(pupil, others[row["pk"]], row["names_hidden"], filters.hide_other_pupils)
        about = ""
        if row["pupil_id"] != pupil.pk:
            subject = next(p for p in others[row["pk"]] if p.pk == row["pupil_id"])
            about = _about(subject, row["names_hidden"], filters.hide_other_pupils)
        exported.append(
            ExportedIncident(
                pk=row["pk"],
                when=row["occurred_at"],
                categories=tuple(labels[row["pk"]]),
                status=statuses.get(row["status"], row["status"]),
                risk=risks.get(row["risk"], "") if row["risk"] else "",
                author=_name(row, "recorded_by", staff_as_initials),
                text=hide_names(row["text"], named) if named else row["text"],
                about=about,
                role=role_names[roles[row["pk"]]] if about else "",
                followups=tuple(
                    replace(f, text=hide_names(f.text, named)) if named else f
                    for f in followups[row["pk"]]
                ),
            )
        )
    return ChronologyExport(
        school_name=school_name,
        pupil=pupil,
        filters=filters,
        category_labels=tuple(
            viewer.categories[pk].label for pk in filters.category_ids if pk in viewer.categories
        ),
        incidents=tuple(exported),
        generated_by=viewer.user.get_full_name(),
        generated_at=timezone.now(),
    )


def _redact_texts(
    redactor: Redactor, rows: list[dict], followups: dict[int, list[FollowUp]]
) -> tuple[list[dict], dict[int, list[FollowUp]]]:
    texts = [row["text"] for row in rows]
    for entries in followups.values():
        for f in entries:
            texts += [f.text, *f.details]
    redact = redactor(texts)
    rows = [{**row, "text": redact(row["text"])} for row in rows]
    redacted: dict[int, list[FollowUp]] = defaultdict(list)
    for pk, entries in followups.items():
        redacted[pk] = [
            replace(f, text=redact(f.text), details=tuple(redact(d) for d in f.details))
            for f in entries
        ]
    return rows, redacted


@dataclass(frozen=True)
class _Redacted:
    """A pupil as `hide_names` reads one, whose "initials" are the redaction mark: so the
    same rules that find a pupil's names in text (any case, any apostrophe or dash) find
    them here too."""

    pk: int
    first_name: str
    last_name: str
    legal_first_name: str
    legal_last_name: str
    initials: str = REDACTED

    @classmethod
    def of(cls, pupil: Pupil) -> _Redacted:
        return cls(
            pk=pupil.pk,
            first_name=pupil.first_name,
            last_name=pupil.last_name,
            legal_first_name=pupil.legal_first_name,
            legal_last_name=pupil.legal_last_name,
        )


def _named(
    pupil: Pupil, others: list[Pupil], names_hidden: bool, hide_others: bool
) -> list[Pupil | _Redacted]:
    """Whose names change in an incident's text, and to what. Other pupils come first, so
    that where one shares a name with this pupil, the shared name is redacted: with names to
    hide, more hidden is the safe side. A DSL's "hide names" on the incident still shows
    everyone as initials."""
    named: list[Pupil | _Redacted] = []
    if hide_others:
        named += [_Redacted.of(other) for other in others]
    if names_hidden:
        named += [pupil] if hide_others else [*others, pupil]
    return named


def _about(subject: Pupil, names_hidden: bool, hide_others: bool) -> str:
    """Who an incident about another pupil is about, as the text shows them."""
    if hide_others:
        return REDACTED
    return subject.initials if names_hidden else subject.full_name


def start_of(day: datetime.date) -> datetime.datetime:
    """The first instant of a day in the school's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _with_subcategories(viewer: Viewer, category_ids: Iterable[int]) -> set[int]:
    chosen = set(category_ids)
    return chosen | {c.pk for c in viewer.categories.values() if c.parent_id in chosen}


def _labels(viewer: Viewer, incident_ids: list[int]) -> dict[int, list[str]]:
    """Each incident's categories, as titles the viewer may see."""
    labels: dict[int, list[str]] = {pk: [] for pk in incident_ids}
    pairs = IncidentCategory.objects.filter(incident__in=incident_ids).values_list(
        "incident_id", "category_id"
    )
    for incident_id, category_id in pairs.order_by("category__position", "category__name"):
        category = viewer.categories.get(category_id)
        if category and policy.may_see_category_title(viewer, category_id):
            labels[incident_id].append(category.label)
    return labels


def _other_pupils(pupil: Pupil, rows: list[dict]) -> dict[int, list[Pupil]]:
    """For each incident, the pupils named on it other than this one: its subject (when the
    incident is about someone else) and every linked pupil."""
    others: dict[int, list[Pupil]] = {row["pk"]: [] for row in rows}
    subject_ids = {row["pupil_id"] for row in rows} - {pupil.pk}
    subjects = Pupil.objects.in_bulk(subject_ids) if subject_ids else {}
    for row in rows:
        if row["pupil_id"] in subjects:
            others[row["pk"]].append(subjects[row["pupil_id"]])
    if others:
        links = LinkedPupil.objects.filter(incident__in=list(others)).exclude(pupil=pupil)
        for link in links.select_related("pupil"):
            others[link.incident_id].append(link.pupil)
    return others


def _followups(
    viewer: Viewer, incident_ids: list[int], staff_as_initials: bool
) -> dict[int, list[FollowUp]]:
    """Each incident's actions and changes, oldest first."""
    found: dict[int, list[FollowUp]] = defaultdict(list)
    kinds = dict(Action.Kind.choices)
    actions = (
        policy.visible_actions(viewer)
        .filter(incident__in=incident_ids)
        .order_by("occurred_at", "pk")
        .values(
            "incident_id", "kind", "text", "occurred_at", "agency__name", "reference",
            "due_date", "completion__completed_at", *_author("assignee"), *_author("recorded_by"),
        )
    )  # fmt: skip
    for row in actions:
        found[row["incident_id"]].append(
            FollowUp(
                when=row["occurred_at"],
                kind="action",
                what=kinds.get(row["kind"], row["kind"]),
                author=_name(row, "recorded_by", staff_as_initials),
                text=row["text"],
                details=_action_details(row, staff_as_initials),
            )
        )
    kinds = dict(IncidentChange.Kind.choices)
    changes = IncidentChange.objects.filter(incident__in=incident_ids)
    for row in changes.order_by("changed_at", "pk").values(
        "incident_id", "kind", "reason", "changed_at", *_author("changed_by")
    ):
        found[row["incident_id"]].append(
            FollowUp(
                when=row["changed_at"],
                kind="change",
                what=kinds.get(row["kind"], row["kind"]),
                author=_name(row, "changed_by", staff_as_initials),
                text=row["reason"],
            )
        )
    for entries in found.values():
        entries.sort(key=lambda entry: entry.when)
    return found


def _action_details(row: dict, staff_as_initials: bool) -> tuple[str, ...]:
    details = []
    if row["agency__name"]:
        reference = f" (reference {row['reference']})" if row["reference"] else ""
        details.append(f"Agency: {row['agency__name']}{reference}")
    if row["assignee__email"]:
        if staff_as_initials:
            details.append(f"Assigned to {_name(row, 'assignee', True)}")
        else:
            details.append(f"Assigned to {row['assignee__full_name'] or row['assignee__email']}")
    if row["due_date"]:
        details.append(f"Due {row['due_date']:%-d %B %Y}")
    if row["completion__completed_at"]:
        done = timezone.localtime(row["completion__completed_at"])
        details.append(f"Completed {done:%-d %B %Y}")
    return tuple(details)


def _author(field: str) -> tuple[str, str, str]:
    return f"{field}__full_name", f"{field}__email", f"{field}__staff_profile__initials"


def _name(row: dict, field: str, initials_only: bool = False) -> str:
    """A member of staff as an export names them: full name and initials, or initials
    alone (their own, else made from their name or, lacking one, their email's name)."""
    name = row[f"{field}__full_name"] or row[f"{field}__email"]
    initials = row[f"{field}__staff_profile__initials"]
    if initials_only:
        return initials or staff_initials(row[f"{field}__full_name"] or "", row[f"{field}__email"])
    return f"{name} ({initials})" if initials else name


def staff_initials(full_name: str, email: str = "") -> str:
    """Initials made from a name ("Robin Lead" gives "RL"), or from the part of an email
    before the @ ("robin.lead@..." gives "RL") when there is no name."""
    words = re.findall(r"[^\W\d_]+", full_name) or re.findall(r"[^\W\d_]+", email.split("@")[0])
    return "".join(word[0] for word in words).upper() or "?"
