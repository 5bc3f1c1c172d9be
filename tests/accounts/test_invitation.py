"""The first DSL claims their account from the onboarding email's one-time link."""

from __future__ import annotations

import re

from django.test import Client

from tenants.services import onboard_school

NEW_PASSWORD = "Another-Synthetic-9!"


def _invitation_path(mailoutbox) -> str:
    [email] = mailoutbox
    match = re.search(r"http://[^/]+(/accounts/set-password/\S+)", email.body)
    assert match, email.body
    return match.group(1)


def test_the_invited_dsl_chooses_a_password_and_signs_in(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        onboard_school(slug="larchwood", name="Larchwood School", admin_email="dsl@larch.example")
    client = Client(HTTP_HOST="larchwood.localhost")
    form = client.get(_invitation_path(mailoutbox), follow=True)
    assert "Choose your password" in form.content.decode()
    assert 'autocomplete="new-password"' in form.content.decode()

    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    signed_in = client.post(
        "/accounts/login/", {"username": "dsl@larch.example", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_an_invitation_link_works_only_once(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        onboard_school(slug="larchwood", name="Larchwood School", admin_email="dsl@larch.example")
    path = _invitation_path(mailoutbox)
    first = Client(HTTP_HOST="larchwood.localhost")
    form = first.get(path, follow=True)
    first.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    again = Client(HTTP_HOST="larchwood.localhost").get(path, follow=True)
    assert "This link has expired" in again.content.decode()


def test_an_invitation_link_is_useless_on_another_schools_host(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        onboard_school(slug="larchwood", name="Larchwood School", admin_email="dsl@larch.example")
    page = Client(HTTP_HOST="abbey.localhost").get(_invitation_path(mailoutbox), follow=True)
    assert "This link has expired" in page.content.decode()


def test_a_weak_password_is_refused_with_the_reason(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        onboard_school(slug="larchwood", name="Larchwood School", admin_email="dsl@larch.example")
    client = Client(HTTP_HOST="larchwood.localhost")
    form = client.get(_invitation_path(mailoutbox), follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
