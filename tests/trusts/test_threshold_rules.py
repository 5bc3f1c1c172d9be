"""A trust lead may raise the suppression threshold (or keep it) and never lower it; a
platform operator may lower it, never below 3. Every change is recorded: to what, from
what, by whom and when."""

from __future__ import annotations

import pytest
from django.test import Client
from knox.models import AuthToken

from tests.factories import OperatorFactory
from trusts import services
from trusts.errors import ThresholdRefused
from trusts.models import ThresholdChange

LOWER = "A trust lead can raise the threshold but not lower it"


def test_a_lead_raises_the_threshold_and_cannot_lower_it(demo, lead, lead_client):
    assert lead_client.post("/trust/threshold/", {"threshold": "8"}).status_code == 302
    response = lead_client.post("/trust/threshold/", {"threshold": "6"})
    assert response.status_code == 400
    body = response.content.decode()
    assert LOWER in body
    assert "ask a platform operator" in body
    demo.refresh_from_db()
    assert demo.suppression_threshold == 8
    with pytest.raises(ThresholdRefused, match=LOWER):
        services.set_threshold(trust=demo, threshold=3, by=lead.user)
    # Keeping it is no change, and nothing is recorded for it.
    assert lead_client.post("/trust/threshold/", {"threshold": "8"}).status_code == 302
    [change] = ThresholdChange.objects.filter(trust=demo)
    assert (change.previous, change.threshold, change.changed_by) == (5, 8, lead.user)
    assert change.changed_at is not None


def test_an_operator_lowers_it_by_the_api_and_it_is_recorded(demo, lead):
    services.set_threshold(trust=demo, threshold=9, by=lead.user)
    operator = OperatorFactory()
    _, token = AuthToken.objects.create(user=operator)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    response = api.put(
        "/api/v1/trusts/demo/threshold/", {"threshold": 4}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"trust": "demo", "threshold": 4}
    demo.refresh_from_db()
    assert demo.suppression_threshold == 4
    response = api.put(
        "/api/v1/trusts/demo/threshold/", {"threshold": 2}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["threshold"][0].startswith("The threshold cannot be below 3")
    changes = list(ThresholdChange.objects.filter(trust=demo).order_by("changed_at", "pk"))
    assert [(c.previous, c.threshold, c.changed_by) for c in changes] == [
        (5, 9, lead.user),
        (9, 4, operator),
    ]


def test_only_operators_use_the_threshold_api(demo, lead, lead_client):
    response = lead_client.put(
        "/api/v1/trusts/demo/threshold/", {"threshold": 3}, content_type="application/json"
    )
    assert response.status_code == 403
    _, token = AuthToken.objects.create(user=lead.user)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    response = api.put(
        "/api/v1/trusts/demo/threshold/", {"threshold": 3}, content_type="application/json"
    )
    assert response.status_code == 403
    demo.refresh_from_db()
    assert demo.suppression_threshold == 5
    assert not ThresholdChange.objects.exists()
