"""A trust lead sees their own trust's schools and nothing of any other: another trust's
school in a filter or API call gets the same plain refusal as a school that does not exist."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from knox.models import AuthToken

from tests.factories import TrustFactory
from tests.trusts.helpers import PERIOD, fact, make_lead, platform_client
from trusts.services import move_school


def test_another_trusts_school_in_a_filter_is_refused_and_named_nowhere(demo, westleigh, abbey):
    other = TrustFactory(slug="hillside", name="Hillside Trust")
    move_school(westleigh, other)
    # Westleigh's 2024 belongs to its old trust: the new one sees none of it.
    fact(westleigh, "2024-03", "neglect", incidents=23)
    lead = make_lead(other)
    client = platform_client(lead.user)
    assert ">23<" in platform_client(make_lead(demo).user).get("/trust/", PERIOD).content.decode()
    assert ">23<" not in client.get("/trust/", PERIOD).content.decode()
    assert ">23<" not in client.get("/trust/", {**PERIOD, "school": "westleigh"}).content.decode()

    response = client.get("/trust/", {**PERIOD, "school": "abbey"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "None of your trust&#x27;s schools has that name." in body
    assert "Abbey" not in body
    nowhere = client.get("/trust/", {**PERIOD, "school": "no-such-school"}).content.decode()
    assert _without_tokens(body) == _without_tokens(nowhere).replace("no-such-school", "abbey")

    _, token = AuthToken.objects.create(user=lead.user)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/v1/trust/figures/schools/", {**PERIOD, "school": "abbey"})
    assert response.status_code == 400
    assert response.json() == {"school": ["None of your trust's schools has that name."]}
    assert api.get("/api/v1/trust/figures/nothing/").status_code == 404
    trend = api.get("/api/v1/trust/figures/trend/", PERIOD).json()
    assert trend["has_data"] is False
    assert 23 not in _values(trend)


def test_a_lead_sees_only_the_schools_of_their_trust(demo, abbey, westleigh):
    other = TrustFactory(slug="hillside", name="Hillside Trust")
    # Westleigh moved in July 2024: its March is the old trust's, its September the new's.
    move_school(westleigh, other, today=datetime.date(2024, 7, 10))
    fact(westleigh, "2024-03", "neglect", incidents=23)
    fact(westleigh, "2024-09", "neglect", incidents=17)
    fact(abbey, "2024-09", "neglect", incidents=31)
    lead = make_lead(other)
    client = platform_client(lead.user)
    body = client.get("/trust/", PERIOD).content.decode()
    assert "Westleigh" in body
    assert "Abbey" not in body
    assert ">17<" in body
    assert ">23<" not in body
    assert ">31<" not in body
    trend = client.get("/api/v1/trust/figures/trend/", PERIOD).json()
    assert 17 in _values(trend)
    assert not {23, 31, 23 + 17, 31 + 17} & _values(trend)
    schools = client.get("/api/v1/trust/schools/").json()
    assert [s["slug"] for s in schools] == ["westleigh"]
    # And the old trust sees Westleigh's March and Abbey, never Westleigh's September.
    body = platform_client(make_lead(demo).user).get("/trust/", PERIOD).content.decode()
    assert ">23<" in body
    assert ">31<" in body
    assert ">17<" not in body


def _values(table: dict) -> set[float]:
    lines = [*table["rows"], *([table["totals"]] if table["totals"] else [])]
    return {c["value"] for line in lines for c in line["cells"].values() if c["value"] is not None}


def _without_tokens(page: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", page)


def test_the_platform_home_takes_a_trust_lead_to_their_dashboard(demo):
    lead = make_lead(demo)
    response = platform_client(lead.user).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/trust/"
