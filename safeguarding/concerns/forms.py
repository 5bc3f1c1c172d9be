"""Turning what a browser posts into what the services take. Only shape is checked here
(numbers are numbers, dates are dates); every rule lives in the services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils import timezone

from safeguarding.concerns.models import Status
from safeguarding.concerns.services import Link, Mark, Upload


@dataclass
class IncidentDraft:
    pupil_id: int | None = None
    text: str = ""
    category_ids: list[int] = field(default_factory=list)
    occurred_at: datetime.datetime | None = None
    occurred_at_text: str = ""
    status: str = Status.ACTIVE
    links: list[Link] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    agency_ids: list[int] = field(default_factory=list)
    alert_ids: list[int] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)


def parse_incident(data: QueryDict, files=None) -> IncidentDraft:
    draft = IncidentDraft(
        pupil_id=to_int(data.get("pupil")),
        text=data.get("text", ""),
        category_ids=_ints(data.getlist("categories")),
        occurred_at_text=data.get("occurred_at", ""),
        status=data.get("status", Status.ACTIVE),
        agency_ids=_ints(data.getlist("agencies")),
        alert_ids=_ints(data.getlist("alert")),
    )
    try:
        draft.occurred_at = parse_local_datetime(draft.occurred_at_text)
    except ValueError as error:
        draft.errors["occurred_at"] = [str(error)]
    draft.links = [
        Link(pupil_id=pupil_id, role=role)
        for pupil_id, role in zip(
            _ints(data.getlist("link_pupil")), data.getlist("link_role"), strict=False
        )
    ]
    draft.marks = [
        Mark(side=side, x=to_int(x, -1), y=to_int(y, -1), kind=kind, note=note)
        for side, x, y, kind, note in zip(
            data.getlist("mark_side"), data.getlist("mark_x"), data.getlist("mark_y"),
            data.getlist("mark_kind"), data.getlist("mark_note"), strict=False,
        )
    ]  # fmt: skip
    if files is not None:
        draft.uploads = [Upload(file=f, name=f.name) for f in files.getlist("files")]
    return draft


def parse_local_datetime(value: str) -> datetime.datetime | None:
    """A datetime-local value ("2026-11-22T09:30"), in the school's time zone."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("Enter the date and time like 22/11/2026 09:30.") from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def parse_date(value: str) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError("Enter the date like 29/11/2026.") from None


def local_now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


_LARGEST = 2**63 - 1  # PostgreSQL's bigint: a larger number would fail in the query


def to_int(value, default=None):
    """The value as an integer an id can hold, or `default` when it is not one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if -_LARGEST <= number <= _LARGEST else default


def _ints(values) -> list[int]:
    """Keeps values that are not numbers as -1, so the service refuses them by name."""
    return [to_int(value, -1) for value in values if str(value).strip()]
