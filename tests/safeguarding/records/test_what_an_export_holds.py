"""An export holds only what the person exporting may see, through the same policy as the
pages, and reads it in a constant number of queries however long the chronology is."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguarding.concerns.models import Action, Category, Incident, IncidentCategory, LinkedPupil
from safeguarding.records.pdf import chronology_pdf
from safeguarding.records.selectors import ExportFilters, chronology_for_export
from safeguarding.records.spreadsheet import chronology_csv
from tests.factories import PupilFactory, StaffFactory
from tests.safeguarding.records.helpers import pdf_pages, pdf_text
from tests.sessions import verified_viewer


def test_a_restricted_incident_the_viewer_cannot_read_is_in_neither_file(abbey, case):
    """Exports are the safeguarding team's, who read everything: so the rule is shown with
    a member of SLT, who may not read Child Protection, through the same selector."""
    with abbey:
        slt = verified_viewer(StaffFactory(role="SLT"))
        held = chronology_for_export(slt, case["amara"], ExportFilters(), school_name="Abbey")
        everything = chronology_for_export(
            verified_viewer(case["dsl"]), case["amara"], ExportFilters(), school_name="Abbey"
        )
    pdf, spreadsheet = pdf_text(chronology_pdf(held)), chronology_csv(held).decode("utf-8-sig")
    for content in (pdf, spreadsheet):
        assert "Disclosure at lunch." not in content
        assert case["disclosure"].reference not in content
        assert "Child Protection" not in content
        assert "Absent all week." in content
    assert case["disclosure"].pk in {i.pk for i in everything.incidents}


def test_incidents_of_other_pupils_that_do_not_involve_this_one_are_left_out(abbey, case):
    with abbey:
        export = chronology_for_export(
            verified_viewer(case["dsl"]), case["cara"], ExportFilters(), school_name="Abbey"
        )
    # Cara's own incident and the one she is linked to, nothing of Amara's alone.
    assert [i.pk for i in export.incidents] == [case["pushed"].pk, case["about_cara"].pk]
    assert export.incidents[0].about == "[another pupil]"
    assert export.incidents[0].role == "Witness"
    assert "Amara" not in export.incidents[0].text and "Okafor" not in export.incidents[0].text


def test_names_a_dsl_hid_on_an_incident_stay_hidden_when_names_are_shown(abbey, case):
    from safeguarding.concerns.services import set_names_hidden

    with abbey:
        viewer = verified_viewer(case["dsl"])
        set_names_hidden(viewer=viewer, incident_id=case["pushed"].pk, hidden=True)
        export = chronology_for_export(
            viewer, case["amara"], ExportFilters(hide_other_pupils=False), school_name="Abbey"
        )
    pushed = next(i for i in export.incidents if i.pk == case["pushed"].pk)
    assert pushed.text == "AO said she was pushed. CN saw it; CN's coat was torn."


def _history(pupil, author, other, entries: int) -> None:
    """`entries` lines: incidents, each with an action, every other one naming `other`,
    who is linked to it."""
    category = Category.objects.get(name="Behaviour")
    start = timezone.now() - datetime.timedelta(days=400)
    incidents = Incident.objects.bulk_create(
        Incident(pupil=pupil, text=f"Entry {n}: {other.full_name} was there." if n % 2 == 0
                 else f"Entry {n}.", occurred_at=start + datetime.timedelta(hours=n),
                 recorded_by=author)
        for n in range(entries // 2)
    )  # fmt: skip
    IncidentCategory.objects.bulk_create(
        IncidentCategory(incident=incident, category=category) for incident in incidents
    )
    LinkedPupil.objects.bulk_create(
        LinkedPupil(incident=incident, pupil=other, role="witness") for incident in incidents[::2]
    )
    Action.objects.bulk_create(
        Action(incident=incident, kind="note", text="Followed up.", recorded_by=author,
               occurred_at=incident.occurred_at + datetime.timedelta(minutes=30))
        for incident in incidents
    )  # fmt: skip


def _queries(viewer, pupil) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        export = chronology_for_export(viewer, pupil, ExportFilters(), school_name="Abbey")
    lines = len(export.incidents) + sum(len(i.followups) for i in export.incidents)
    return lines, sum(not q["sql"].startswith("SET search_path") for q in queries.captured_queries)


def test_a_500_entry_export_takes_as_many_queries_as_a_10_entry_one(abbey):
    with abbey:
        author, other = StaffFactory(), PupilFactory()
        short, long = PupilFactory(), PupilFactory()
        _history(short, author, other, 10)
        _history(long, author, other, 500)
        viewer = verified_viewer(StaffFactory(role="Safeguarding team"))
        viewer.category_levels  # noqa: B018  (the per-request cache, loaded once either way)
        short_lines, short_queries = _queries(viewer, short)
        long_lines, long_queries = _queries(viewer, long)
    assert (short_lines, long_lines) == (10, 500)
    assert long_queries == short_queries <= 7


@pytest.mark.parametrize("entries", [120])
def test_a_long_pdf_numbers_every_page_and_says_who_made_it_on_each(abbey, entries):
    with abbey:
        dsl = StaffFactory(full_name="Robin Lead", role="Safeguarding team")
        other = PupilFactory(legal_first_name="Zephyrine", legal_last_name="Quarrington")
        pupil = PupilFactory()
        _history(pupil, dsl, other, entries)
        export = chronology_for_export(
            verified_viewer(dsl), pupil, ExportFilters(), school_name="Abbey Community College"
        )
    pages = pdf_pages(chronology_pdf(export))
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Generated by Robin Lead on" in page
        assert "Abbey Community College" in page and pupil.full_name in page
        assert "Zephyrine" not in page and "Quarrington" not in page
    assert "Entry 58: [another pupil] was there." in pages[-1]
    assert "Entry 59." in pages[-1]
