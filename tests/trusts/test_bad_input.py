"""A period with no data, a period that makes no sense, and a threshold below the minimum:
each a clear answer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.trusts.helpers import fact


def test_a_period_with_no_data_says_so(abbey, lead_client):
    fact(abbey, "2024-03", "neglect", incidents=12)
    response = lead_client.get("/trust/", {"from": "2023-01", "to": "2023-06"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was recorded at your trust&#x27;s schools in this period." in body
    assert "Download CSV" not in body
    data = lead_client.get("/api/v1/trust/figures/trend/", {"from": "2023-01", "to": "2023-06"})
    assert data.json()["has_data"] is False


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2024-13"}, "from", "Give a month as YYYY-MM, such as 2025-09."),
        ({"from": "2024-06", "to": "2024-01"}, "from", "The period's first month must not be"),
        ({"from": "2019-01", "to": "2024-12"}, "from", "Choose a period of at most 60 months."),
        ({"to": "2999-01"}, "to", "Figures are published for closed months only"),
    ],
)
def test_a_period_that_cannot_be_shown_is_refused(lead_client, params, field, message):
    response = lead_client.get("/api/v1/trust/figures/trend/", params)
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message)
    page = lead_client.get("/trust/", params)
    assert page.status_code == 400
    assert 'aria-invalid="true"' in page.content.decode()


def test_a_threshold_below_three_is_refused_and_a_higher_one_applies(demo, abbey, lead_client):
    fact(abbey, "2024-03", "neglect", incidents=6)
    response = lead_client.post("/trust/threshold/", {"threshold": "2"})
    assert response.status_code == 400
    assert "The threshold cannot be below 3" in response.content.decode()
    demo.refresh_from_db()
    assert demo.suppression_threshold == 5

    assert lead_client.post("/trust/threshold/", {"threshold": "7"}).status_code == 302
    demo.refresh_from_db()
    assert demo.suppression_threshold == 7
    data = lead_client.get("/api/v1/trust/figures/trend/", {"from": "2024-03", "to": "2024-03"})
    assert data.json()["rows"][0]["cells"]["neglect"] == {
        "display": "<7", "value": None, "state": "small"
    }  # fmt: skip


def test_the_database_refuses_a_threshold_below_three(demo):
    demo.suppression_threshold = 2
    with pytest.raises(IntegrityError), transaction.atomic():
        demo.save()
