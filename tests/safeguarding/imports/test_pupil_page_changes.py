"""A pupil's page shows what imports changed on the record, unless names are hidden."""

from __future__ import annotations

import datetime

from safeguarding.imports import services
from safeguarding.people.models import Pupil
from tests.factories import StaffFactory
from tests.sessions import signed_in

TODAY = datetime.date(2026, 11, 23)
HEADER = b"UPN,Surname,Forename,DOB,Year,Contact 1 Name,Contact 1 Relationship\r\n"


def _import(line: bytes) -> None:
    run = services.check_file(
        data=HEADER + line, kind="pupils", file_name="roll.csv", full=False, by=None,
        today=TODAY,
    )  # fmt: skip
    services.confirm_and_apply(run, by=None, today=TODAY)


def test_the_pupil_page_lists_the_changes_imports_made(abbey):
    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        _import(b"A123456789012,Smith,Ann,01/02/2015,4,Pat Smith,Mother\r\n")
        _import(b"A123456789012,Smith,Ann,01/02/2015,5,Pat Smith,Aunt\r\n")
        pupil = Pupil.objects.get()
    client = signed_in(abbey, dsl)
    page = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "Changes from the MIS" in page
    assert "Year 4 \u2192 Year 5" in page
    assert "Pat Smith (Mother) \u2192 Pat Smith (Aunt)" in page
    client.post("/names/", {"hide": "1"})
    hidden = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "Pat Smith" not in hidden
