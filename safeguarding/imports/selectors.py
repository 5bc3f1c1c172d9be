"""Reads of what imports did, for the pages that show it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from safeguarding.imports.columns import COLUMNS, PUPILS
from safeguarding.imports.models import RecordChange
from safeguarding.people.models import Pupil

_LABELS = {column.field: column.label for column in COLUMNS[PUPILS]} | {
    "contacts": "Parents and carers",
    "year_group": "Year group",
    "form": "Form",
}


@dataclass(frozen=True)
class ShownChange:
    at: datetime.datetime
    change: str
    label: str
    before: str
    after: str
    run_id: int


def pupil_changes(pupil: Pupil, limit: int = 20) -> list[ShownChange]:
    """The latest changes imports made to a pupil's record, newest first."""
    rows = RecordChange.objects.filter(pupil=pupil, object_type="pupil").order_by("-pk")[:limit]
    return [
        ShownChange(
            at=row.at,
            change=row.get_change_display(),
            label=_LABELS.get(row.field, row.field.replace("_", " ").capitalize()),
            before=row.before,
            after=row.after,
            run_id=row.run_id,
        )
        for row in rows
    ]
