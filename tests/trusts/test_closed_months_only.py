"""Trust figures are for closed months only: the current month moves as incidents are
recorded, so a period reaching into it is refused, on the page, the CSV and the API, with
the reason; the default period is the last 12 full months."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.trusts.helpers import fact
from trusts.selectors import add_months, default_period, parse_filters

REASON = "Figures are published for closed months only"


def _this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


@pytest.mark.parametrize("which", ["to", "from-and-to"])
def test_a_period_including_the_current_month_is_refused_everywhere(abbey, lead_client, which):
    this_month = f"{_this_month():%Y-%m}"
    fact(abbey, this_month, "neglect", incidents=9)
    params = {"to": this_month}
    if which == "from-and-to":
        params["from"] = this_month
    api = lead_client.get("/api/v1/trust/figures/trend/", params)
    assert api.status_code == 400
    [(field, [message])] = api.json().items()
    assert field in ("from", "to")
    assert message.startswith(REASON)
    page = lead_client.get("/trust/", params)
    assert page.status_code == 400
    assert REASON in page.content.decode()
    assert ">9<" not in page.content.decode()
    csv = lead_client.get("/trust/csv/trend/", params)
    assert csv.status_code == 400
    assert csv.content.decode().startswith(REASON)


def test_the_default_is_the_last_twelve_full_months(abbey, lead_client):
    last = add_months(_this_month(), -1)
    fact(abbey, f"{_this_month():%Y-%m}", "neglect", incidents=9)
    fact(abbey, f"{last:%Y-%m}", "neglect", incidents=11)
    response = lead_client.get("/api/v1/trust/figures/trend/")
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == {
        "from": f"{add_months(last, -11):%Y-%m}",
        "to": f"{last:%Y-%m}",
    }
    values = {c["value"] for r in data["rows"] for c in r["cells"].values()}
    assert 11 in values
    assert 9 not in values


def test_the_last_full_month_is_allowed_and_the_next_is_not(demo):
    today = datetime.date(2026, 3, 31)
    assert default_period(today) == (datetime.date(2025, 3, 1), datetime.date(2026, 2, 1))
    filters = parse_filters(demo, {"from": "2026-02", "to": "2026-02"}, today=today)
    assert filters.months == [datetime.date(2026, 2, 1)]
    with pytest.raises(Exception, match=REASON):
        parse_filters(demo, {"from": "2026-01", "to": "2026-03"}, today=today)
