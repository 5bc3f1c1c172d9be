"""A trust lead's API token ends with the credentials it was made under: a password change
(by the page or any other way) or a second factor added or removed deletes every token of
theirs. A token reads figures and cannot invite a lead: that needs a verified session."""

from __future__ import annotations

import datetime

from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts import factors
from accounts.models import User
from tests.factories import PASSWORD, OperatorFactory
from tests.trusts.helpers import PERIOD, fact, make_lead, platform_client
from trusts.models import TrustLead

TREND = "/api/v1/trust/figures/trend/"


def _api(token: str) -> Client:
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")


def test_changing_the_password_on_the_page_deletes_the_leads_tokens(lead, lead_client):
    _, token = AuthToken.objects.create(user=lead.user)
    assert _api(token).get(TREND, PERIOD).status_code == 200
    new = "Another-Lead-2025!q"
    response = lead_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302, response.content
    assert not AuthToken.objects.filter(user=lead.user).exists()
    assert _api(token).get(TREND, PERIOD).status_code == 401


def test_a_password_set_any_other_way_deletes_them_too(lead):
    _, token = AuthToken.objects.create(user=lead.user)
    user = User.objects.get(pk=lead.user.pk)
    user.set_password("Reset-By-Someone-2025!")
    user.save()
    assert not AuthToken.objects.filter(user=lead.user).exists()
    assert _api(token).get(TREND, PERIOD).status_code == 401


def test_a_token_older_than_the_password_is_refused_even_if_it_survived(lead):
    instance, token = AuthToken.objects.create(user=lead.user)
    assert _api(token).get(TREND, PERIOD).status_code == 200
    # As if the password changed by a path that sent no signal (an UPDATE).
    User.objects.filter(pk=lead.user.pk).update(password_changed_at=timezone.now())
    assert _api(token).get(TREND, PERIOD).status_code == 403
    AuthToken.objects.filter(pk=instance.pk).update(
        created=timezone.now() + datetime.timedelta(seconds=1)
    )
    assert _api(token).get(TREND, PERIOD).status_code == 200


def test_removing_a_factor_deletes_the_tokens(demo, abbey):
    fact(abbey, "2024-03", "neglect", incidents=17)
    lead = make_lead(demo)
    client = platform_client(lead.user)
    TOTPDevice.objects.create(user=lead.user, name="Spare phone", confirmed=True)
    _, token = AuthToken.objects.create(user=lead.user)
    assert _api(token).get(TREND, PERIOD).status_code == 200
    spare = TOTPDevice.objects.get(user=lead.user, name="Spare phone")
    response = client.post(f"/accounts/factors/app/{spare.pk}/remove/")
    assert response.status_code == 302
    assert factors.has_factor(lead.user)  # still one left: the token goes all the same
    assert not AuthToken.objects.filter(user=lead.user).exists()
    assert _api(token).get(TREND, PERIOD).status_code == 401
    assert TrustLead.objects.get(pk=lead.pk).factors_changed_at is not None


def test_adding_a_factor_deletes_the_tokens_and_an_older_token_is_refused(lead):
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    User.objects.filter(pk=lead.user.pk).update(password_changed_at=an_hour_ago)
    instance, token = AuthToken.objects.create(user=lead.user)
    device = TOTPDevice.objects.get(user=lead.user)
    factors.factor_changed.send(
        TOTPDevice, user=lead.user, actor=lead.user, change="added", device=device, request=None
    )
    assert not AuthToken.objects.filter(user=lead.user).exists()
    # A token made before the change, had it escaped the deletion, is refused.
    instance.save()
    AuthToken.objects.filter(pk=instance.pk).update(
        created=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert _api(token).get(TREND, PERIOD).status_code == 403
    _, fresh = AuthToken.objects.create(user=lead.user)
    assert _api(fresh).get(TREND, PERIOD).status_code == 200


def test_an_operators_tokens_are_left_alone(db):
    operator = OperatorFactory()
    AuthToken.objects.create(user=operator)
    device = TOTPDevice.objects.create(user=operator, name="Phone", confirmed=True)
    device.delete()
    assert AuthToken.objects.filter(user=operator).count() == 1


def test_a_leads_token_cannot_invite_a_lead_but_their_verified_session_can(demo, lead, lead_client):
    _, token = AuthToken.objects.create(user=lead.user)
    response = _api(token).post(
        "/api/v1/trusts/demo/leads/", {"email": "leaked@trust.example"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    assert "not by an API token" in response.json()["detail"]
    assert not User.objects.filter(email="leaked@trust.example").exists()
    response = lead_client.post(
        "/api/v1/trusts/demo/leads/", {"email": "fellow@trust.example"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert TrustLead.objects.get(user__email="fellow@trust.example").trust == demo


def test_an_unverified_session_cannot_invite_either(demo, lead):
    client = platform_client(lead.user, verified=False)
    response = client.post(
        "/api/v1/trusts/demo/leads/", {"email": "x@trust.example"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    assert not User.objects.filter(email="x@trust.example").exists()
