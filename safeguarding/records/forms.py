"""Turning the export form into what the export service takes. Only shape is checked here
(dates are dates, ids are numbers); every rule lives in services.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.http import QueryDict

from safeguarding.concerns.forms import parse_date, to_int

FORMATS = {"pdf": "PDF", "csv": "CSV (for a spreadsheet)"}


@dataclass
class ExportChoice:
    """What was asked for, as typed (to show the form again) and as parsed."""

    format: str = "pdf"
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    date_from_text: str = ""
    date_to_text: str = ""
    category_ids: list[int] = field(default_factory=list)
    hide_other_pupils: bool = True
    errors: dict[str, list[str]] = field(default_factory=dict)


def parse_export(data: QueryDict) -> ExportChoice:
    """A ticked box arrives as "on"; an unticked one does not arrive at all."""
    choice = ExportChoice(
        format=data.get("format", ""),
        date_from_text=data.get("date_from", "").strip(),
        date_to_text=data.get("date_to", "").strip(),
        # Not numbers are kept as -1, so the service refuses them as unknown categories.
        category_ids=[to_int(v, -1) for v in data.getlist("categories") if str(v).strip()],
        hide_other_pupils=data.get("hide_other_pupils") == "on",
    )
    for name in ("date_from", "date_to"):
        try:
            setattr(choice, name, parse_date(getattr(choice, f"{name}_text")))
        except ValueError as error:
            choice.errors[name] = [str(error)]
    return choice
