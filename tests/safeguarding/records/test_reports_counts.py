"""What each school report counts: only incidents the viewer may read, in the period, each
report in a few aggregate queries (the case is in reports_case.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safeguarding.records import reports
from safeguarding.records.reports import ReportFilters
from tests.safeguarding.records.reports_case import make_case
from tests.sessions import verified_viewer


@pytest.fixture
def case(abbey):
    return make_case(abbey)


def _filters(**options) -> ReportFilters:
    return reports.default_filters() if not options else ReportFilters(**options)


def _table(report) -> dict[str, tuple]:
    return {row.label: row.values for row in report.rows}


def _local(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def test_categories_month_by_month_count_each_incident_in_each_of_its_categories(abbey, case):
    with abbey:
        report, total = reports.incidents_by_month(verified_viewer(case["dsl"]), _filters())
    months = _filters().months
    assert len(months) == 12 and report.headings[-1] == "Total"
    assert report.headings[0] == f"{months[0]:%b %Y}"
    assert total == 7 and report.totals.values[-1] == 7
    rows = _table(report)
    assert {label: values[-1] for label, values in rows.items()} == {
        "Attendance": 2, "Behaviour": 3, "Bullying": 2, "Child Protection": 1,
    }  # fmt: skip
    # Each count sits in the month the incident happened in.
    column = months.index(_local(case["shoved"].occurred_at).replace(day=1))
    assert rows["Bullying"][column] >= 1 and rows["Behaviour"][column] >= 1
    assert sum(report.totals.values[:-1]) == 7


def test_standard_categories_count_an_incident_once_each(abbey, case):
    with abbey:
        report = reports.by_standard_category(verified_viewer(case["dsl"]), _filters(), 7)
    assert _table(report) == {
        "Behaviour": (3,), "Attendance": (2,), "Bullying": (2,),
        "Child protection, CIN and CLA processes": (1,),
    }  # fmt: skip
    assert report.rows[0].label == "Behaviour"  # most first


def test_year_groups_forms_and_recorders(abbey, case):
    viewer = verified_viewer(case["dsl"])
    with abbey:
        years = reports.by_year_group(viewer, _filters(), 7)
        forms = reports.by_form(viewer, _filters(), 7)
        staff = reports.by_recorder(viewer, _filters(), 7)
    assert [(r.label, r.values) for r in years.rows] == [("Year 9", (4,)), ("Year 10", (3,))]
    assert years.totals.values == (7,)
    assert [(r.label, r.values) for r in forms.rows] == [("9R", (4,)), ("10B", (3,))]
    assert [(r.label, r.values) for r in staff.rows] == [
        ("Tess Marlow", (6,)),
        ("Robin Lead", (1,)),
    ]


def test_an_incident_outside_the_period_is_not_counted_and_a_pupil_without_a_year_is_named_so(
    abbey, case
):
    day = _local(case["old"].occurred_at)
    with abbey:
        years = reports.by_year_group(
            verified_viewer(case["dsl"]), _filters(date_from=day, date_to=day), 1
        )
    assert [(r.label, r.values) for r in years.rows] == [("No year group", (1,))]


def test_open_actions_by_assignee_with_the_overdue_ones(abbey, case):
    with abbey:
        report = reports.open_actions(verified_viewer(case["dsl"]))
    # Tess: one overdue, one due tomorrow; Robin's overdue one is completed.
    assert [(r.label, r.values) for r in report.rows] == [("Tess Marlow", (1, 1, 2))]
    assert report.totals.values == (1, 1, 2)


def test_time_to_the_first_dsl_action_counts_only_the_safeguarding_teams_actions(abbey, case):
    with abbey:
        report = reports.time_to_first_dsl_action(verified_viewer(case["dsl"]), _filters())
    # Robin acted 2 hours, 3 days 1 hour and 30 minutes after; Tess's note 10 minutes after
    # the second is not a DSL's. The other four incidents have no DSL action.
    assert _table(report) == {
        "Within an hour": (1,), "1 to 24 hours": (1,), "1 to 3 days": (0,),
        "3 to 7 days": (1,), "More than 7 days": (0,), "No DSL action yet": (4,),
    }  # fmt: skip
    facts = dict(report.facts)
    assert facts["Median time to the first DSL action"] == "2 hours"
    # The 90th percentile, between 2 hours and 73 hours: 58.8 hours.
    assert facts["Nine in ten had one within"] == "2 days 10 hours"


def test_a_pupil_with_three_concerns_in_thirty_days_has_a_pattern(abbey, case):
    with abbey:
        report = reports.pupils_with_patterns(verified_viewer(case["dsl"]), _filters())
    # Amara: four in 20 days. Cara: three, but 40 and 50 days apart.
    [row] = report.rows
    assert (row.label, row.pupil_id, row.initials) == ("Amara Okafor", case["amara"].pk, "AO")
    assert row.values == ("Year 9", "9R", 4, 4, _local(case["disclosure"].occurred_at))
    assert dict(report.facts) == {"Pupils with 3 or more concerns in 30 days": "1"}


@pytest.mark.parametrize(
    ("min_concerns", "days", "pupils"),
    [
        (3, 30, ["Amara Okafor"]),
        (5, 30, []),
        (2, 41, ["Amara Okafor", "Cara Ndlovu"]),
        (2, 39, ["Amara Okafor"]),
        (3, 91, ["Amara Okafor", "Cara Ndlovu"]),
        (3, 89, ["Amara Okafor"]),
    ],
)
def test_the_pattern_rule_is_the_schools_to_choose(abbey, case, min_concerns, days, pupils):
    filters = ReportFilters(
        date_from=_filters().date_from, date_to=_filters().date_to,
        min_concerns=min_concerns, days=days,
    )  # fmt: skip
    with abbey:
        report = reports.pupils_with_patterns(verified_viewer(case["dsl"]), filters)
    assert [row.label for row in report.rows] == pupils


def test_slt_counts_leave_out_what_slt_may_not_read(abbey, case):
    """SLT see a restricted category's title only: Amara's child-protection incident counts
    nowhere in their reports, not as a category, a standard one, a pupil's pattern or an
    action's wait."""
    viewer = verified_viewer(case["slt"])
    with abbey:
        months, total = reports.incidents_by_month(viewer, _filters())
        standard = reports.by_standard_category(viewer, _filters(), total)
        years = reports.by_year_group(viewer, _filters(), total)
        waits = reports.time_to_first_dsl_action(viewer, _filters())
        patterns = reports.pupils_with_patterns(viewer, _filters())
    assert total == 6
    assert "Child Protection" not in _table(months)
    assert "Child protection, CIN and CLA processes" not in _table(standard)
    assert _table(years)["Year 9"] == (3,)
    assert _table(waits)["Within an hour"] == (0,)
    assert [row.values[2] for row in patterns.rows] == [3]


def test_slt_count_what_they_were_alerted_to(abbey, case):
    from safeguarding.access.models import IncidentGrant

    with abbey:
        IncidentGrant.objects.create(
            incident=case["disclosure"], user=case["slt"], reason="alerted",
            granted_by=case["dsl"],
        )  # fmt: skip
        _, total = reports.incidents_by_month(verified_viewer(case["slt"]), _filters())
    assert total == 7


def test_a_school_with_no_incidents_has_empty_reports(westleigh):
    from tests.factories import StaffFactory

    with westleigh:
        dsl = StaffFactory(role="Safeguarding team")
        dashboard = reports.school_dashboard(verified_viewer(dsl), _filters())
    assert dashboard.incidents == 0
    assert all(report.is_empty for report in dashboard.reports)
    assert dashboard.report("months").totals.values == (0,) * 13


def test_the_default_period_is_this_month_and_the_eleven_before():
    filters = reports.default_filters(datetime.date(2026, 3, 15))
    assert (filters.date_from, filters.date_to) == (
        datetime.date(2025, 4, 1),
        datetime.date(2026, 3, 15),
    )
    assert len(filters.months) == 12
    assert (filters.min_concerns, filters.days) == (3, 30)


@pytest.mark.parametrize(
    ("waited", "words"),
    [
        (datetime.timedelta(seconds=20), "under a minute"),
        (datetime.timedelta(minutes=45), "45 minutes"),
        (datetime.timedelta(hours=1), "1 hour"),
        (datetime.timedelta(hours=5, minutes=10), "5 hours 10 minutes"),
        (datetime.timedelta(days=3, hours=4, minutes=9), "3 days 4 hours"),
        (datetime.timedelta(days=-1), "under a minute"),
        (None, "\u2013"),
    ],
)
def test_waits_are_said_as_people_say_them(waited, words):
    assert reports.duration_words(waited) == words
