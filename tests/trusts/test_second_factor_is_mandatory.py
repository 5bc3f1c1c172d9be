"""A trust lead reaches no figure, page, CSV or API answer without a second factor: none set
up sends them to set one up, one not verified this session to verify it."""

from __future__ import annotations

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from tests.trusts.helpers import PERIOD, fact, make_lead, platform_client


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_a_lead_without_a_factor_is_sent_to_set_one_up_and_sees_no_figure(demo, abbey):
    fact(abbey, "2024-03", "neglect", incidents=17)
    lead = make_lead(demo, factor=False)
    client = platform_client(lead.user, verified=False)
    response = client.get("/trust/", PERIOD)
    assert response.status_code == 302
    assert response["Location"].startswith("/trust/verify/?next=")
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Set up an authenticator app" in body
    assert "17" not in body
    assert client.get("/trust/csv/trend/", PERIOD).status_code == 302
    assert client.get("/api/v1/trust/figures/trend/", PERIOD).status_code == 403


def test_a_lead_with_a_factor_verifies_it_and_then_sees_the_figures(demo, abbey):
    fact(abbey, "2024-03", "neglect", incidents=17)
    lead = make_lead(demo)
    client = platform_client(lead.user, verified=False)
    assert client.get("/trust/", PERIOD).status_code == 302
    device = TOTPDevice.objects.get(user=lead.user)
    response = client.post("/trust/verify/", {"code": "000000", "next": "/trust/?from=2024-01"})
    assert response.status_code == 401
    assert "That code did not work" in response.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    response = client.post(
        "/trust/verify/", {"code": _code(device), "next": "/trust/?from=2024-01&to=2024-12"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/trust/?from=2024-01&to=2024-12"
    assert ">17<" in client.get(response["Location"]).content.decode()


def test_an_api_token_works_only_while_its_lead_keeps_a_second_factor(demo, abbey):
    fact(abbey, "2024-03", "neglect", incidents=17)
    lead = make_lead(demo)
    _, token = AuthToken.objects.create(user=lead.user)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/trust/figures/trend/", PERIOD).status_code == 200
    TOTPDevice.objects.filter(user=lead.user).delete()
    # Removing the factor deleted the token (trusts.signals): it is unknown now.
    assert not AuthToken.objects.filter(user=lead.user).exists()
    assert api.get("/api/v1/trust/figures/trend/", PERIOD).status_code == 401


def test_a_lead_makes_and_revokes_a_token_on_the_tokens_page(lead, lead_client):
    response = lead_client.post("/trust/tokens/")
    token = AuthToken.objects.get(user=lead.user)
    assert token.token_key in response.content.decode()
    api = Client(HTTP_HOST="localhost")
    assert api.get("/api/v1/trust/schools/").status_code == 401
    response = lead_client.post(f"/trust/tokens/{token.token_key}/revoke/")
    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=lead.user).exists()


def test_an_operator_is_not_a_trust_lead(db):
    from tests.factories import OperatorFactory

    client = Client(HTTP_HOST="localhost")
    client.force_login(OperatorFactory())
    response = client.get("/trust/")
    assert response.status_code == 403
    assert "Trust leads only" in response.content.decode()
    assert client.get("/api/v1/trust/schools/").status_code == 403
