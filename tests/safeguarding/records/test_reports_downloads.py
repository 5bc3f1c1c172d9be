"""A report's CSV and the governors' PDF: what each holds, neutralised cells, counts only and
no names in the PDF, every download audited; refused (and audited) for a role without the
right; bad filters refused with nothing made."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from safeguarding.audit.models import AuditEvent
from safeguarding.records.reports import SLUGS
from tests.factories import StaffFactory
from tests.safeguarding.records.helpers import csv_rows, pdf_text
from tests.safeguarding.records.reports_case import NAMES, make_case
from tests.sessions import signed_in


@pytest.fixture
def case(abbey):
    return make_case(abbey)


def _events(school, action: str) -> list[AuditEvent]:
    with school:
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_each_report_downloads_as_csv_with_its_table(abbey, case):
    client = signed_in(abbey, case["dsl"])
    for slug in SLUGS:
        response = client.get(f"/reports/{slug}.csv")
        assert response.status_code == 200, slug
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert re.fullmatch(
            rf'attachment; filename="report-{slug}-\d{{4}}-\d\d-\d\d-to-\d{{4}}-\d\d-\d\d\.csv"',
            response["Content-Disposition"],
        )
        assert response["Cache-Control"] == "private, no-store"
        assert csv_rows(response.content)[0]  # a header, after the byte-order mark
    assert len(_events(abbey, "export")) == len(SLUGS)


def test_the_csv_holds_the_rows_and_totals_the_page_shows(abbey, case):
    client = signed_in(abbey, case["dsl"])
    assert csv_rows(client.get("/reports/year-groups.csv").content) == [
        ["Year group", "Incidents"], ["Year 9", "4"], ["Year 10", "3"], ["All incidents", "7"],
    ]  # fmt: skip
    actions = csv_rows(client.get("/reports/actions.csv").content)
    assert actions == [
        ["Assigned to", "Overdue", "Open, not overdue", "Open in all"],
        ["Tess Marlow", "1", "1", "2"], ["All open actions", "1", "1", "2"],
    ]  # fmt: skip
    waits = csv_rows(client.get("/reports/first-action.csv").content)
    assert ["No DSL action yet", "4"] in waits
    assert ["Median time to the first DSL action", "2 hours"] in waits
    months = csv_rows(client.get("/reports/months.csv").content)
    assert months[0][0] == "Category" and months[0][-1] == "Total" and len(months[0]) == 14
    assert months[-1][0] == "All incidents" and months[-1][-1] == "7"


def test_the_patterns_csv_lists_the_pupils_with_iso_dates(abbey, case):
    from django.utils import timezone

    rows = csv_rows(signed_in(abbey, case["dsl"]).get("/reports/patterns.csv").content)
    latest = timezone.localdate(case["disclosure"].occurred_at).isoformat()
    assert rows[:2] == [
        ["Pupil", "Year group", "Form", "Most in 30 days", "In the period", "Latest concern"],
        ["Amara Okafor", "Year 9", "9R", "4", "4", latest],
    ]


def test_the_csv_follows_the_filters_and_the_audit_says_which(abbey, case):
    client = signed_in(abbey, case["dsl"])
    response = client.get(
        "/reports/patterns.csv",
        {"date_from": "2025-01-01", "date_to": "2025-12-31", "min_concerns": "2", "days": "41"},
    )
    assert response.status_code == 200
    assert (
        'filename="report-patterns-2025-01-01-to-2025-12-31.csv"' in response["Content-Disposition"]
    )
    [event] = _events(abbey, "export")
    assert (event.actor_id, event.object_type, event.pupil_id) == (case["dsl"].pk, "report", None)
    assert event.details == {
        "kind": "report", "report": "patterns", "format": "csv", "from": "2025-01-01",
        "to": "2025-12-31", "rows": len(csv_rows(response.content)) - 3, "min_concerns": 2,
        "days": 41,
    }  # fmt: skip


def test_a_cell_a_spreadsheet_would_run_is_neutralised(abbey, case):
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import record_incident
    from tests.safeguarding.records.helpers import days_ago
    from tests.sessions import verified_viewer

    with abbey:
        sly = StaffFactory(full_name='=HYPERLINK("http://evil.example")', role="SLT")
        record_incident(
            viewer=verified_viewer(sly), pupil_id=case["amara"].pk,
            category_ids=[Category.objects.get(name="Behaviour").pk], text="Seen.",
            occurred_at=days_ago(2),
        )  # fmt: skip
    rows = csv_rows(signed_in(abbey, case["dsl"]).get("/reports/staff.csv").content)
    assert ['\'=HYPERLINK("http://evil.example")', "1"] in rows


@pytest.mark.parametrize(
    ("role", "verified", "reason"),
    [
        ("Teachers", True, "role"),
        ("Heads of School", True, "role"),
        ("SLT", False, "second_factor"),
    ],
)
def test_a_role_without_the_right_is_refused_every_download_and_each_attempt_audited(
    abbey, case, role, verified, reason
):
    with abbey:
        member = StaffFactory(role=role)
    client = signed_in(abbey, member, verified=verified)
    for path in ("/reports/staff.csv", "/reports/patterns.csv", "/reports/governors.pdf"):
        response = client.get(path)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("text/html")
        assert "Content-Disposition" not in response
    refused = _events(abbey, "export_refused")
    assert [(e.actor_id, e.details) for e in refused] == [
        (member.pk, {"report": "staff", "format": "csv", "reason": reason}),
        (member.pk, {"report": "patterns", "format": "csv", "reason": reason}),
        (member.pk, {"report": "governors", "format": "pdf", "reason": reason}),
    ]
    assert not _events(abbey, "export")


def test_a_refused_download_of_a_report_that_does_not_exist_names_none(abbey, case):
    response = signed_in(abbey, case["teacher"]).get("/reports/pupil-names.csv")
    assert response.status_code == 403
    [event] = _events(abbey, "export_refused")
    assert event.details == {"report": None, "format": "csv", "reason": "role"}


def test_a_report_that_does_not_exist_is_not_found(abbey, case):
    response = signed_in(abbey, case["dsl"]).get("/reports/everything.csv")
    assert response.status_code == 404
    assert not _events(abbey, "export")


@pytest.mark.parametrize("path", ["/reports/staff.csv", "/reports/governors.pdf"])
@pytest.mark.parametrize(
    "query",
    [{"date_from": "2026-03-01", "date_to": "2026-02-01"}, {"date_from": "1900-01-01"},
     {"date_to": "3000-01-01"}, {"days": "999"}],
)  # fmt: skip
def test_bad_filters_make_no_file_and_no_audit(abbey, case, path, query):
    response = signed_in(abbey, case["dsl"]).get(path, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "There is a problem" in response.content.decode()
    assert not _events(abbey, "export") and not _events(abbey, "export_refused")


def test_the_governors_report_holds_counts_only(abbey, case):
    response = signed_in(abbey, case["dsl"]).get("/reports/governors.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="governors-report-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.pdf"',
        response["Content-Disposition"],
    )
    text = pdf_text(response.content)
    for expected in (
        "Abbey Community College",
        "Safeguarding report for governors",
        "Counts only: no child or member of staff is named.",
        "Incidents recorded 7",
        "Actions open today 2",
        "of which overdue 1",
        "Pupils with 3 or more concerns in 30 days 1",
        "Median time to the first DSL action 2 hours",
        "Year 9 4",
        "Behaviour 3",
        "No DSL action yet 4",
        "All months 7",
    ):
        assert expected in text, expected
    assert re.search(r"Page 1 of \d", text)


def test_the_governors_report_names_no_pupil_and_no_member_of_staff(abbey, case):
    content = signed_in(abbey, case["dsl"]).get("/reports/governors.pdf").content
    text = pdf_text(content)
    for pupil in (case["amara"], case["cara"], case["dev"]):
        assert pupil.upn not in text
    for name in NAMES:
        assert not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE), name
    title = PdfReader(io.BytesIO(content)).metadata.title
    assert title.startswith("Safeguarding report for governors, ")


def test_the_governors_report_is_audited(abbey, case):
    signed_in(abbey, case["dsl"]).get(
        "/reports/governors.pdf", {"date_from": "2026-01-01", "date_to": "2026-06-30"}
    )
    [event] = _events(abbey, "export")
    assert event.object_type == "report" and event.actor_id == case["dsl"].pk
    assert event.details == {
        "kind": "governors_report", "format": "pdf", "from": "2026-01-01", "to": "2026-06-30",
        "incidents": 0,
    }  # fmt: skip


def test_slt_may_download_reports_counted_from_what_they_may_read(abbey, case):
    client = signed_in(abbey, case["slt"])
    rows = csv_rows(client.get("/reports/standard.csv").content)
    assert "Child protection, CIN and CLA processes" not in [row[0] for row in rows]
    text = pdf_text(client.get("/reports/governors.pdf").content)
    assert "Incidents recorded 6" in text
    assert "incidents in restricted categories are left out" in text
    assert len(_events(abbey, "export")) == 2


def test_a_school_with_no_incidents_gets_an_empty_governors_report(westleigh):
    with westleigh:
        dsl = StaffFactory(role="Safeguarding team")
    response = signed_in(westleigh, dsl).get("/reports/governors.pdf")
    text = pdf_text(response.content)
    assert response.status_code == 200
    assert "Incidents recorded 0" in text and "No incident happened in this period." in text
