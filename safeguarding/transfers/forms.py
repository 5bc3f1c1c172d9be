"""Turning the transfer forms into what services.py takes. Only shape is checked here (a
date is a date, a school is a number); every rule lives in services.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.http import QueryDict

from safeguarding.concerns.forms import parse_date

ON_PLATFORM = "platform"
OFF_PLATFORM = "elsewhere"


@dataclass
class TransferChoice:
    """Where the file goes and when the child moved, as typed and as parsed."""

    destination: str = ""  # ON_PLATFORM or OFF_PLATFORM
    school_id: int | None = None
    school_text: str = ""
    to_name: str = ""
    to_email: str = ""
    moved_on: datetime.date | None = None
    moved_on_text: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def parse_transfer(data: QueryDict) -> TransferChoice:
    choice = TransferChoice(
        destination=data.get("destination", "").strip(),
        school_text=data.get("school", "").strip(),
        to_name=data.get("to_name", "").strip(),
        to_email=data.get("to_email", "").strip(),
        moved_on_text=data.get("moved_on", "").strip(),
    )
    if choice.school_text:
        try:
            choice.school_id = int(choice.school_text)
        except ValueError:
            choice.errors["school"] = ["Choose a school from the list."]
    try:
        choice.moved_on = parse_date(choice.moved_on_text)
    except ValueError as error:
        choice.errors["moved_on"] = [str(error)]
    return choice


def new_choice(today: datetime.date) -> TransferChoice:
    return TransferChoice(destination=ON_PLATFORM, moved_on=today, moved_on_text=today.isoformat())
