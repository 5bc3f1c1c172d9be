"""The reports page: for the safeguarding team and SLT, each report a chart with its table
and a CSV link; refused (and audited) for everyone else; bad filters refused with the
reason and no report shown."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from safeguarding.audit.models import AuditEvent
from safeguarding.records.reports import SLUGS
from tests.factories import StaffFactory
from tests.safeguarding.records.reports_case import make_case
from tests.sessions import signed_in


@pytest.fixture
def case(abbey):
    return make_case(abbey)


def _events(school, action: str) -> list[AuditEvent]:
    with school:
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _page(client, **query) -> tuple[int, str]:
    response = client.get("/reports/", query)
    return response.status_code, response.content.decode()


def test_the_menu_offers_reports_to_the_safeguarding_team_and_slt_only(abbey, case):
    with abbey:
        heads = StaffFactory(role="Heads of School")
    link = 'href="/reports/"'
    for member, offered in ((case["dsl"], True), (case["slt"], True), (heads, False),
                            (case["teacher"], False)):  # fmt: skip
        page = signed_in(abbey, member).get("/").content.decode()
        assert (link in page) is offered, member.email
    # Held at write-only until a second factor is verified: no link either.
    assert link not in signed_in(abbey, case["dsl"], verified=False).get("/").content.decode()


def test_a_dsl_sees_every_report_as_a_chart_a_table_and_a_csv_link(abbey, case):
    status, page = _page(signed_in(abbey, case["dsl"]))
    assert status == 200
    assert "<title>Reports · Haven</title>" in page
    assert '<a href="/reports/" aria-current="page">Reports</a>' in page
    assert "<strong>7 incidents</strong>" in page
    assert "Every incident recorded at the school counts." in page
    for slug in SLUGS:
        assert '<section class="report' in page and f'id="{slug}"' in page
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart' in page
        assert f'aria-labelledby="chart-{slug}-title chart-{slug}-desc"' in page
        assert f'<caption id="{slug}-caption">' in page
        assert re.search(
            rf'href="/reports/{slug}\.csv\?date_from=\d{{4}}-\d\d-\d\d&amp;date_to=', page
        )
    assert page.count('role="img"') == len(SLUGS)
    assert page.count('<th scope="col">') > len(SLUGS) and '<th scope="row">' in page
    assert 'href="/reports/governors.pdf?date_from=' in page
    # Viewing the page exports nothing.
    assert not _events(abbey, "export") and not _events(abbey, "export_refused")


def test_the_tables_hold_the_figures(abbey, case):
    _, page = _page(signed_in(abbey, case["dsl"]))
    assert '<tr><th scope="row">Year 9</th><td class="num">4</td></tr>' in page
    assert '<tr><th scope="row">Tess Marlow</th><td class="num">6</td></tr>' in page
    assert (
        '<tr><th scope="row">Tess Marlow</th><td class="num">1</td><td class="num">1</td>'
        '<td class="num">2</td></tr>'
    ) in page
    assert "<dt>Median time to the first DSL action</dt><dd>2 hours</dd>" in page


def test_the_pupils_with_a_pattern_link_to_their_page_and_nothing_else_names_a_pupil(abbey, case):
    _, page = _page(signed_in(abbey, case["dsl"]))
    amara = case["amara"].pk
    assert f'<a href="/pupils/{amara}/">Amara Okafor</a>' in page
    patterns = page.index('id="patterns"')
    for name in ("Amara", "Okafor", "Cara", "Ndlovu", "Achebe"):
        assert name not in page[:patterns], name
    assert "Cara" not in page and "Ndlovu" not in page  # no pattern, so nowhere


def test_hiding_names_on_screen_shows_the_pupils_initials(abbey, case):
    client = signed_in(abbey, case["dsl"])
    client.post("/names/", {})
    _, page = _page(client)
    assert f'<a href="/pupils/{case["amara"].pk}/">AO</a>' in page
    assert "Amara" not in page and "Okafor" not in page


def test_slt_see_the_reports_counted_from_what_they_may_read(abbey, case):
    status, page = _page(signed_in(abbey, case["slt"]))
    assert status == 200
    assert "<strong>6 incidents</strong>" in page
    assert "Only the incidents you may read count" in page
    assert '<th scope="row">Child Protection</th>' not in page


@pytest.mark.parametrize(
    ("role", "verified", "reason", "why"),
    [
        ("Heads of School", True, "Only the safeguarding team and SLT", "role"),
        ("Teachers", True, "Only the safeguarding team and SLT", "role"),
        ("Support staff", True, "Only the safeguarding team and SLT", "role"),
        ("SLT", False, "need a second factor", "second_factor"),
        ("Safeguarding team", False, "need a second factor", "second_factor"),
    ],
)
def test_anyone_else_is_refused_with_the_reason_and_the_attempt_is_audited(
    abbey, case, role, verified, reason, why
):
    with abbey:
        member = StaffFactory(role=role)
    status, page = _page(signed_in(abbey, member, verified=verified))
    assert status == 403
    assert reason in page and "Tess Marlow" not in page and "<svg" not in page
    refused = _events(abbey, "export_refused")
    assert [(e.actor_id, e.object_type, e.details) for e in refused] == [
        (member.pk, "report", {"report": "dashboard", "format": None, "reason": why})
    ]


def test_signed_out_visitors_are_sent_to_sign_in(abbey, case):
    from django.test import Client

    response = Client(HTTP_HOST="abbey.localhost").get("/reports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _today() -> datetime.date:
    return timezone.localdate()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to", "before the start"),
        ({"date_from": "1989-12-31"}, "date_from", "on or after 1 January 1990"),
        ({"date_to": "1066-10-14"}, "date_to", "on or after 1 January 1990"),
        ({"date_from": "9999-12-31"}, "date_from", "no later than today"),
        ({"date_from": "1990-01-01"}, "date_from", "at most 10 years"),
        ({"date_to": "tomorrow"}, "date_to", "Enter the date like"),
        ({"date_from": "2026-02-30"}, "date_from", "Enter the date like"),
        ({"date_from": "2026-01-01'; DROP TABLE x;--"}, "date_from", "Enter the date like"),
        ({"min_concerns": "1"}, "min_concerns", "from 2 to 50"),
        ({"min_concerns": "9999999999999999999999"}, "min_concerns", "from 2 to 50"),
        ({"min_concerns": "three"}, "min_concerns", "from 2 to 50"),
        ({"days": "0"}, "days", "from 1 to 366"),
        ({"days": "-5"}, "days", "from 1 to 366"),
        ({"days": "400"}, "days", "from 1 to 366"),
    ],
)
def test_bad_filters_are_refused_with_the_reason_and_no_report(abbey, case, query, field, message):
    status, page = _page(signed_in(abbey, case["dsl"]), **query)
    assert status == 400
    assert message in page and f'href="#id_{field}"' in page
    assert 'aria-invalid="true"' in page
    assert "<svg" not in page and "Tess Marlow" not in page and "governors.pdf" not in page
    assert not _events(abbey, "export") and not _events(abbey, "export_refused")


def test_a_date_after_today_is_refused(abbey, case):
    tomorrow = (_today() + datetime.timedelta(days=1)).isoformat()
    status, page = _page(signed_in(abbey, case["dsl"]), date_to=tomorrow)
    assert status == 400 and "no later than today" in page


def test_the_form_comes_back_with_what_was_typed(abbey, case):
    _, page = _page(signed_in(abbey, case["dsl"]), date_from="2026-02-30", days="12")
    assert 'value="2026-02-30"' in page and 'name="days" value="12"' in page


def test_a_period_of_one_day_holds_that_days_incidents(abbey, case):
    day = timezone.localdate(case["rude"].occurred_at).isoformat()
    status, page = _page(signed_in(abbey, case["dsl"]), date_from=day, date_to=day)
    assert status == 200
    assert "<strong>1 incident</strong>" in page
    assert '<tr><th scope="row">Year 10</th><td class="num">1</td></tr>' in page


def test_a_school_with_no_incidents_shows_empty_reports(westleigh):
    with westleigh:
        dsl = StaffFactory(role="Safeguarding team")
    status, page = _page(signed_in(westleigh, dsl))
    assert status == 200
    assert "<strong>0 incidents</strong>" in page
    assert "No incident you may read happened in this period." in page
    assert "No action is waiting to be done." in page
    assert "No pupil had 3 or more concerns in 30 days in this period." in page
    assert "<svg" not in page and ".csv?" not in page


def test_the_page_takes_no_post(abbey, case):
    response = signed_in(abbey, case["dsl"]).post("/reports/", {})
    assert response.status_code == 405
