"""Trust leads are invited by a platform operator or by a lead of the same trust, and by
nobody else; the invitation is the staff one, choosing a password on the platform host."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from accounts.models import User
from tests.factories import OperatorFactory, TrustFactory, UserFactory
from tests.trusts.helpers import make_lead, platform_client
from trusts import services
from trusts.errors import NotPermitted
from trusts.models import TrustLead


def test_an_operator_invites_a_trust_lead_by_api_and_the_link_sets_a_password(
    demo, django_capture_on_commit_callbacks
):
    _, token = AuthToken.objects.create(user=OperatorFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(HTTP_HOST="localhost").post(
            "/api/v1/trusts/demo/leads/", {"email": "New.Lead@Trust.example"},
            content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json() == {"email": "new.lead@trust.example"}
    lead = TrustLead.objects.get(user__email="new.lead@trust.example")
    assert lead.trust == demo
    assert not lead.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["new.lead@trust.example"]
    assert "Demo Academy Trust" in message.subject
    link = re.search(r"http://localhost:8000(/accounts/set-password/\S+)", message.body)[1]
    client = Client(HTTP_HOST="localhost")
    form = client.get(link, follow=True)
    password = "Trust-Lead-2024!x"
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 302
    assert client.post("/accounts/login/", {"username": lead.user.email, "password": password})[
        "Location"
    ]


def test_a_trust_lead_invites_a_fellow_lead_from_the_leads_page(demo, lead_client):
    response = lead_client.post("/trust/leads/", {"email": "colleague@trust.example"})
    assert response.status_code == 302
    assert TrustLead.objects.get(user__email="colleague@trust.example").trust == demo
    page = lead_client.get("/trust/leads/")
    assert "colleague@trust.example" in page.content.decode()


def test_an_existing_address_is_refused_with_a_clear_message(demo, lead_client):
    UserFactory(email="taken@trust.example")
    response = lead_client.post("/trust/leads/", {"email": "taken@trust.example"})
    assert response.status_code == 400
    assert "There is already an account for taken@trust.example" in response.content.decode()


def test_anyone_else_is_refused(demo):
    stranger = UserFactory()
    with pytest.raises(NotPermitted):
        services.invite_trust_lead(trust=demo, email="x@trust.example", invited_by=stranger)
    other_lead = make_lead(TrustFactory())
    with pytest.raises(NotPermitted):
        services.invite_trust_lead(trust=demo, email="x@trust.example", invited_by=other_lead.user)
    assert not User.objects.filter(email="x@trust.example").exists()


def test_the_api_refuses_a_signed_in_non_lead_and_hides_other_trusts_from_a_lead(demo):
    stranger = Client(HTTP_HOST="localhost")
    stranger.force_login(UserFactory())
    response = stranger.post(
        "/api/v1/trusts/demo/leads/", {"email": "x@trust.example"}, content_type="application/json"
    )
    assert response.status_code == 403
    other = make_lead(TrustFactory(slug="elsewhere"))
    response = platform_client(other.user).post(
        "/api/v1/trusts/demo/leads/", {"email": "x@trust.example"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert "Demo" not in response.content.decode()
    assert not User.objects.filter(email="x@trust.example").exists()


def test_an_operators_unverified_session_cannot_invite_a_trust_lead(demo):
    operator = OperatorFactory()
    unverified = platform_client(operator, verified=False)
    verified = platform_client(operator)

    refused = unverified.post(
        "/api/v1/trusts/demo/leads/", {"email": "early@trust.example"},
        content_type="application/json",
    )  # fmt: skip
    invited = verified.post(
        "/api/v1/trusts/demo/leads/", {"email": "checked@trust.example"},
        content_type="application/json",
    )  # fmt: skip

    assert refused.status_code == 403, refused.content
    assert invited.status_code == 201, invited.content
    assert not TrustLead.objects.filter(user__email="early@trust.example").exists()
    assert TrustLead.objects.get(user__email="checked@trust.example").trust == demo
