"""An incident in two standard categories counts in each standard's column, but once in
every figure for all categories: the "All categories" totals, the rates per 100 pupils, the
open and overdue actions and the time to the first DSL action. Those come from the facts'
"all" rows through publish(), and a median shows only when the count of incidents behind it
would be shown."""

from __future__ import annotations

import datetime

from insights import services
from tests.insights.school_records import action, at, category, incident, staff
from tests.trusts.helpers import PERIOD, fact, roll

MARCH = {"from": "2024-03", "to": "2024-03"}


def _get(client, panel, period=PERIOD):
    data = client.get(f"/api/v1/trust/figures/{panel}/", period).json()
    return {row["key"]: row["cells"] for row in data["rows"]}, data["totals"]["cells"]


def _record(school, groups, *, answered=True, open_action=False):
    """Incidents at `school` in March 2024, one per list of standards in `groups`, each
    with a DSL's action two days later (open and overdue if `open_action`)."""
    from tests.factories import PupilFactory

    with school:
        people = staff()
        categories = {}
        for n, standards in enumerate(groups):
            made = incident(
                PupilFactory(),
                [categories.setdefault(s, category(s)) for s in standards],
                occurred=at(2024, 3, 1 + n),
                by=people.teacher,
            )
            if answered or open_action:
                action(
                    made, by=people.dsl if answered else people.teacher,
                    recorded=at(2024, 3, 3 + n, 12),
                    assignee=people.teacher if open_action else None,
                    due=datetime.date(2024, 3, 20) if open_action else None,
                )  # fmt: skip
    services.rebuild(school)


def test_an_incident_in_two_standards_and_its_action_count_once(abbey, westleigh, lead_client):
    # 5 bullying, 5 neglect: 9 incidents, one of them in both; each with an open, overdue action.
    _record(
        abbey,
        [["bullying"]] * 4 + [["bullying", "neglect"]] + [["neglect"]] * 4,
        open_action=True,
    )
    from insights.models import RollMonth

    RollMonth.objects.update_or_create(
        school=abbey, month=datetime.date(2024, 3, 1), defaults={"pupils": 300}
    )
    roll(westleigh, "2024-03", 200)

    actions, actions_total = _get(lead_client, "actions", MARCH)
    assert actions["abbey"]["open"] == {"display": "9", "value": 9, "state": "shown"}
    assert actions["abbey"]["overdue"]["display"] == "9"
    assert actions_total["open"]["display"] == actions_total["overdue"]["display"] == "9"

    schools, schools_total = _get(lead_client, "schools", MARCH)
    assert schools["abbey"]["bullying"]["display"] == schools["abbey"]["neglect"]["display"] == "5"
    assert schools["abbey"]["total"] == {"display": "9", "value": 9, "state": "shown"}
    assert schools["abbey"]["per_100_pupils"]["display"] == "3.0"  # 9 of 300, not 10
    assert schools_total["total"]["display"] == "9"
    assert schools_total["per_100_pupils"]["display"] == "1.8"  # 9 of 500

    trend, trend_total = _get(lead_client, "trend", MARCH)
    assert trend["2024-03"]["total"]["display"] == "9"
    assert trend_total["total"]["display"] == "9"
    assert "all" not in trend["2024-03"]  # not a standard: no column of its own

    actions_csv = lead_client.get("/trust/csv/actions/", MARCH).content.decode("utf-8-sig")
    assert "Abbey Community College,9,9" in actions_csv.splitlines()
    schools_csv = lead_client.get("/trust/csv/schools/", MARCH).content.decode("utf-8-sig")
    assert "Abbey Community College,5,5,9,3.0" in schools_csv.splitlines()
    page = lead_client.get("/trust/", MARCH).content.decode()
    assert "Each action counts once" in page and "once in All categories" in page


def test_the_all_row_is_not_a_column_or_a_heading(abbey, lead_client):
    fact(abbey, "2024-03", "neglect", incidents=12)
    fact(abbey, "2024-03", "all", incidents=12)
    data = lead_client.get("/api/v1/trust/figures/schools/", PERIOD).json()
    assert set(data["rows"][0]["cells"]) == {"neglect", "total", "per_100_pupils"}
    page = lead_client.get("/trust/", PERIOD).content.decode()
    assert ">all<" not in page and ">All<" not in page


def test_a_median_of_three_incidents_is_not_shown_though_the_standards_add_up_to_five(
    abbey, lead_client
):
    # Three answered incidents, two of them in two standards: 5 in the standards' rows.
    _record(abbey, [["bullying", "neglect"], ["bullying", "neglect"], ["bullying"]])
    from insights.models import CategoryMonth

    march = CategoryMonth.objects.filter(school=abbey, month=datetime.date(2024, 3, 1))
    assert sum(sum(r.first_action_days) for r in march.exclude(standard="all")) == 5
    assert sum(march.get(standard="all").first_action_days) == 3

    rows, totals = _get(lead_client, "first-action")
    assert rows["abbey"]["median_days"] == {"display": "\u2014", "value": None,
                                            "state": "withheld"}  # fmt: skip
    assert totals["median_days"]["value"] is None


def test_a_median_shows_over_enough_distinct_answered_incidents(abbey, lead_client):
    _record(abbey, [["bullying", "neglect"]] + [["bullying"]] * 4)
    rows, totals = _get(lead_client, "first-action")
    assert rows["abbey"]["median_days"] == {"display": "2 days", "value": 2, "state": "shown"}
    assert totals["median_days"]["display"] == "2 days"


def test_a_median_is_not_shown_when_a_month_behind_it_is_small(abbey, westleigh, lead_client):
    # 7 answered incidents, but 2 of them in one month: that count would be "*" in a total,
    # so no median rests on it, however many incidents there are in all.
    for standard in ("neglect", "all"):
        fact(abbey, "2024-03", standard, incidents=5, days={1: 5})
        fact(abbey, "2024-04", standard, incidents=2, days={4: 2})
        fact(westleigh, "2024-03", standard, incidents=6, days={3: 6})
    rows, totals = _get(lead_client, "first-action")
    assert rows["abbey"]["median_days"]["value"] is None
    assert rows["westleigh"]["median_days"]["display"] == "3 days"
    assert totals["median_days"]["value"] is None
    march, march_totals = _get(lead_client, "first-action", MARCH)
    assert march["abbey"]["median_days"]["display"] == "1 day"
    assert march_totals["median_days"]["display"] == "3 days"  # 11 incidents: 5 at 1, 6 at 3


def test_a_once_counted_total_never_gives_a_small_standard_count_away(abbey, lead_client):
    # 12 neglect shown beside 15 in all would tell the 3 bullying incidents by subtraction.
    fact(abbey, "2024-03", "neglect", incidents=12, actions_open=6)
    fact(abbey, "2024-03", "bullying", incidents=3)
    fact(abbey, "2024-03", "all", incidents=15, actions_open=6)
    roll(abbey, "2024-03", 300)
    schools, schools_total = _get(lead_client, "schools", MARCH)
    assert schools["abbey"]["neglect"]["display"] == "12"
    assert schools["abbey"]["bullying"]["display"] == "<5"
    assert schools["abbey"]["total"] == {"display": "*", "value": None, "state": "withheld"}
    assert schools["abbey"]["per_100_pupils"]["value"] is None
    assert schools_total["total"]["display"] == "*"
    trend, _ = _get(lead_client, "trend", MARCH)
    assert trend["2024-03"]["total"]["display"] == "*"
    # A single small standard count alone is "<5" in all categories too.
    fact(abbey, "2024-04", "bullying", incidents=2)
    fact(abbey, "2024-04", "all", incidents=2)
    trend, _ = _get(lead_client, "trend", {"from": "2024-04", "to": "2024-04"})
    assert trend["2024-04"]["total"] == {"display": "<5", "value": None, "state": "small"}
    # The actions, counted once and never published by standard, follow their own counts.
    actions, _ = _get(lead_client, "actions", MARCH)
    assert actions["abbey"]["open"]["display"] == "6"
