"""A trust lead sees their own trust's schools and nothing of any other: another trust's
school in a filter or API call gets the same plain refusal as a school that does not exist."""

from __future__ import annotations

import re

from django.test import Client
from knox.models import AuthToken

from tests.factories import TrustFactory
from tests.trusts.helpers import PERIOD, fact, make_lead, platform_client
from trusts.services import move_school


def test_another_trusts_school_in_a_filter_is_refused_and_named_nowhere(demo, westleigh, abbey):
    other = TrustFactory(slug="hillside", name="Hillside Trust")
    move_school(westleigh, other)
    fact(westleigh, "2024-03", "neglect", incidents=23)
    lead = make_lead(other)
    client = platform_client(lead.user)

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


def test_a_lead_sees_only_the_schools_of_their_trust(demo, abbey, westleigh):
    other = TrustFactory(slug="hillside", name="Hillside Trust")
    move_school(westleigh, other)
    fact(abbey, "2024-03", "neglect", incidents=23)
    lead = make_lead(other)
    client = platform_client(lead.user)
    body = client.get("/trust/", PERIOD).content.decode()
    assert "Westleigh" in body
    assert "Abbey" not in body
    assert ">23<" not in body
    schools = client.get("/api/v1/trust/schools/").json()
    assert [s["slug"] for s in schools] == ["westleigh"]


def _without_tokens(page: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", page)


def test_the_platform_home_takes_a_trust_lead_to_their_dashboard(demo):
    lead = make_lead(demo)
    response = platform_client(lead.user).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/trust/"
