"""The dashboard, its CSVs and the API show exactly what insights.disclosure.publish gives:
a small count as "<5" and never its value, a total that contains one withheld, and rates
only from counts that are shown."""

from __future__ import annotations

import csv
import datetime
import io
import re

from insights.disclosure import Count, publish
from tests.trusts.helpers import PERIOD, fact, roll

MARCH = datetime.date(2024, 3, 1)


def _facts(abbey, westleigh):
    # Each school-month's standards, and its "all" row (each incident and action once).
    for standard in ("neglect", "all"):
        fact(abbey, "2024-03", standard, incidents=12, actions_open=7, actions_overdue=2,
             days={0: 4, 2: 4, 9: 4})  # fmt: skip
        fact(abbey, "2024-04", standard, incidents=9)
    fact(westleigh, "2024-03", "neglect", incidents=3, actions_open=1)
    fact(westleigh, "2024-03", "bullying", incidents=6)
    fact(westleigh, "2024-03", "all", incidents=9, actions_open=1)
    roll(abbey, "2024-03", 400)
    roll(abbey, "2024-04", 400)
    roll(westleigh, "2024-03", 180)


def test_the_schools_table_is_publish_of_the_facts(abbey, westleigh, lead_client):
    _facts(abbey, westleigh)
    expected = publish(
        [
            Count(abbey.pk, "neglect", abbey.pk, MARCH, 12),
            Count(abbey.pk, "neglect", abbey.pk, datetime.date(2024, 4, 1), 9),
            Count(westleigh.pk, "neglect", westleigh.pk, MARCH, 3),
            Count(westleigh.pk, "bullying", westleigh.pk, MARCH, 6),
        ],
        rows=[abbey.pk, westleigh.pk],
        columns=["neglect", "bullying"],
        threshold=5,
    )
    data = lead_client.get("/api/v1/trust/figures/schools/", PERIOD).json()
    rows = {row["key"]: row["cells"] for row in data["rows"]}
    for school in (abbey, westleigh):
        for standard in ("neglect", "bullying"):
            assert (
                rows[school.slug][standard]["display"]
                == expected.cell(school.pk, standard).display()
            )
        assert rows[school.slug]["total"]["display"] == expected.row_totals[school.pk].display()
    assert rows["westleigh"]["neglect"] == {"display": "<5", "value": None, "state": "small"}
    assert rows["westleigh"]["total"] == {"display": "*", "value": None, "state": "withheld"}
    assert rows["abbey"]["total"] == {"display": "21", "value": 21, "state": "shown"}
    # Rates from shown counts only: 21 over an average roll of 400; none for Westleigh.
    assert rows["abbey"]["per_100_pupils"]["display"] == "5.3"
    assert rows["westleigh"]["per_100_pupils"] == {"display": "\u2014", "value": None,
                                                   "state": "withheld"}  # fmt: skip
    assert data["totals"]["cells"]["total"]["display"] == "*"
    assert data["threshold"] == 5


def test_a_small_count_is_never_printed_on_the_page_or_in_the_csv(abbey, westleigh, lead_client):
    _facts(abbey, westleigh)
    body = lead_client.get("/trust/", PERIOD).content.decode()
    assert "Abbey Community College" in body
    assert "Westleigh Methodist Primary School" in body
    assert "&lt;5" in body
    cells = re.findall(r'<td class="num">([^<]*)</td>', body)
    assert "3" not in cells and "1" not in cells
    march = lead_client.get("/trust/", {"from": "2024-03", "to": "2024-03"}).content.decode()
    # The open actions at March's end: Abbey's 7 shown; Westleigh's 1 and the 2 overdue small.
    cells = re.findall(r'<td class="num">([^<]*)</td>', march)
    assert "7" in cells
    assert "1" not in cells and "2" not in cells

    response = lead_client.get("/trust/csv/schools/", PERIOD)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["School", "Neglect", "Bullying", "All categories", "Per 100 pupils"]
    assert table[1] == ["Abbey Community College", "21", "0", "21", "5.3"]
    assert table[2] == ["Westleigh Methodist Primary School", "<5", "6", "*", "\u2014"]
    assert table[3][0] == "All schools"
    assert "3" not in [cell for row in table for cell in row]

    actions = list(csv.reader(io.StringIO(
        lead_client.get("/trust/csv/actions/", {"from": "2024-01", "to": "2024-03"})
        .content.decode("utf-8-sig")
    )))  # fmt: skip
    assert actions[1:3] == [
        ["Abbey Community College", "7", "<5"],
        ["Westleigh Methodist Primary School", "<5", "0"],
    ]


def test_the_time_to_first_action_is_a_median_only_over_enough_incidents(
    abbey, westleigh, lead_client
):
    _facts(abbey, westleigh)
    fact(westleigh, "2024-05", "bullying", incidents=2, days={1: 2})
    fact(westleigh, "2024-05", "all", incidents=2, days={1: 2})
    data = lead_client.get("/api/v1/trust/figures/first-action/", PERIOD).json()
    rows = {row["key"]: row["cells"]["median_days"] for row in data["rows"]}
    assert rows["abbey"] == {"display": "2 days", "value": 2, "state": "shown"}
    assert rows["westleigh"]["value"] is None


def test_the_trend_table_has_every_month_of_the_period(abbey, westleigh, lead_client):
    _facts(abbey, westleigh)
    data = lead_client.get("/api/v1/trust/figures/trend/", PERIOD).json()
    assert [row["key"] for row in data["rows"]] == [f"2024-{m:02d}" for m in range(1, 13)]
    march = data["rows"][2]["cells"]
    assert march["neglect"] == {"display": "*", "value": None, "state": "withheld"}
    assert march["bullying"]["display"] == "6"
    assert data["rows"][3]["cells"]["neglect"]["display"] == "9"
    assert data["rows"][0]["cells"]["total"]["display"] == "0"


def test_a_phase_filter_keeps_the_schools_of_that_phase(abbey, westleigh, lead_client):
    _facts(abbey, westleigh)
    data = lead_client.get("/api/v1/trust/figures/schools/", {**PERIOD, "phase": "primary"})
    assert [row["key"] for row in data.json()["rows"]] == ["westleigh"]
    response = lead_client.get("/api/v1/trust/figures/schools/", {**PERIOD, "phase": "nursery"})
    assert response.status_code == 400
