"""Turning the subject access request forms into what sar_services takes. Only shape is
checked here (dates are dates); every rule lives in sar_services.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.http import QueryDict

from safeguarding.concerns.forms import parse_date

STAFF_NAMES = {"initials": "As initials", "full": "By their full names"}


@dataclass
class SarChoice:
    """What was asked for, as typed (to show the form again) and as parsed."""

    requested_by: str = ""
    received_on: datetime.date | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    received_on_text: str = ""
    date_from_text: str = ""
    date_to_text: str = ""
    staff_names: str = "initials"
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def staff_as_initials(self) -> bool | None:
        """None when neither was chosen."""
        return {"initials": True, "full": False}.get(self.staff_names)


def parse_sar(data: QueryDict) -> SarChoice:
    choice = SarChoice(
        requested_by=data.get("requested_by", "").strip(),
        received_on_text=data.get("received_on", "").strip(),
        date_from_text=data.get("date_from", "").strip(),
        date_to_text=data.get("date_to", "").strip(),
        staff_names=data.get("staff_names", "").strip(),
    )
    for name in ("received_on", "date_from", "date_to"):
        try:
            setattr(choice, name, parse_date(getattr(choice, f"{name}_text")))
        except ValueError as error:
            choice.errors[name] = [str(error)]
    return choice


def new_choice(*, staff_as_initials: bool, today: datetime.date) -> SarChoice:
    """The form as first shown: received today, staff named by the school's setting."""
    return SarChoice(
        received_on=today,
        received_on_text=today.isoformat(),
        staff_names="initials" if staff_as_initials else "full",
    )
