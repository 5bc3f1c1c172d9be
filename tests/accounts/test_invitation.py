"""The first DSL claims their account from the onboarding email's one-time link."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tenants.services import onboard_school

NEW_PASSWORD = "Another-Synthetic-9!"


@pytest.fixture
def invitation_path(db, mailoutbox, django_capture_on_commit_callbacks) -> str:
    """The path of the link emailed to Larchwood's first DSL when the school is onboarded."""
    with django_capture_on_commit_callbacks(execute=True):
        onboard_school(slug="larchwood", name="Larchwood School", admin_email="dsl@larch.example")
    [email] = mailoutbox
    match = re.search(r"http://larchwood\.localhost:8000(/accounts/set-password/\S+)", email.body)
    assert match, email.body
    return match.group(1)


def _choose_password(client: Client, invitation_path: str, password: str):
    form = client.get(invitation_path, follow=True)
    return form, client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


def test_the_invited_dsl_chooses_a_password_and_signs_in(invitation_path):
    client = Client(HTTP_HOST="larchwood.localhost")
    form, done = _choose_password(client, invitation_path, NEW_PASSWORD)
    assert "Choose your password" in form.content.decode()
    assert 'autocomplete="new-password"' in form.content.decode()
    assert "Your password is set" in done.content.decode()
    signed_in = client.post(
        "/accounts/login/", {"username": "dsl@larch.example", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_an_invitation_link_works_only_once(invitation_path):
    _choose_password(Client(HTTP_HOST="larchwood.localhost"), invitation_path, NEW_PASSWORD)
    again = Client(HTTP_HOST="larchwood.localhost").get(invitation_path, follow=True)
    assert "This link has expired" in again.content.decode()


@pytest.mark.parametrize("host", ["abbey.localhost", "localhost"])
def test_an_invitation_link_is_useless_on_any_other_host(invitation_path, host):
    page = Client(HTTP_HOST=host).get(invitation_path, follow=True)
    assert "This link has expired" in page.content.decode()


def test_a_weak_password_is_refused_with_the_reason(invitation_path):
    _, response = _choose_password(
        Client(HTTP_HOST="larchwood.localhost"), invitation_path, "password"
    )
    assert "too common" in response.content.decode()
    assert "Your password is set" not in response.content.decode()
