"""Password rules per school, common passwords refused, Argon2, reset by email, expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import SecuritySettings, User
from tests.factories import PASSWORD, StaffFactory
from tests.sessions import signed_in


def _problems(password: str) -> list[str]:
    try:
        validate_password(password)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Sh0rt!", "Use at least 8 characters."),
        ("alllowercase1!", "Include an upper-case letter."),
        ("NoDigitsHere!", "Include a digit."),
        ("NoSymbols123", "Include a symbol."),
        ("x" * 129, "Use at most 128 characters."),
    ],
)
def test_the_seeds_default_rules_say_what_is_missing(abbey, password, problem):
    with abbey:
        assert problem in _problems(password)


def test_a_password_meeting_the_default_rules_is_accepted(abbey):
    with abbey:
        assert _problems("Kettle-Moss-42") == []


def test_common_passwords_are_always_refused_even_under_asvs(abbey):
    with abbey:
        rules = SecuritySettings.current()
        rules.preset = SecuritySettings.Preset.ASVS
        rules.__dict__.update(SecuritySettings.PRESETS[SecuritySettings.Preset.ASVS])
        rules.save()
        assert "This password is too common." in _problems("password1234")
        assert _problems("correct horse battery staple") == [], "no composition rules"
        assert "Use at least 12 characters." in _problems("Short-Pa55!")


def test_each_school_keeps_its_own_rules(abbey, westleigh):
    with abbey:
        SecuritySettings.objects.update_or_create(pk=1, defaults={"min_length": 16})
        assert "Use at least 16 characters." in _problems("Kettle-Moss-42")
    with westleigh:
        assert _problems("Kettle-Moss-42") == []


def test_passwords_are_hashed_with_argon2(abbey):
    with abbey:
        user = StaffFactory(email="h@abbey.example")
        assert User.objects.get(pk=user.pk).password.startswith("argon2")


def test_password_fields_tell_browsers_not_to_keep_them(abbey):
    with abbey:
        user = StaffFactory(email="h@abbey.example")
    change = signed_in(abbey, user).get("/accounts/password/").content.decode()
    assert change.count('autocomplete="new-password"') == 2
    assert 'autocomplete="off"' in change


def _reset_link(client: Client, email: str) -> str:
    mail.outbox.clear()
    response = client.post("/accounts/reset-password/", {"email": email})
    assert response.status_code == 302
    (message,) = mail.outbox
    return re.search(r"http://abbey\.localhost:8000(/accounts/set-password/\S+/)", message.body)[1]


def test_a_reset_link_sets_a_new_password_once(abbey):
    with abbey:
        StaffFactory(email="r@abbey.example")
    client = Client(HTTP_HOST="abbey.localhost")
    link = _reset_link(client, "R@Abbey.example")
    form = client.get(link, follow=True)
    assert "Choose your password" in form.content.decode()
    url = form.redirect_chain[-1][0]
    done = client.post(url, {"new_password1": "Kettle-Moss-42", "new_password2": "Kettle-Moss-42"})
    assert done.status_code == 302
    with abbey:
        assert User.objects.get(email="r@abbey.example").check_password("Kettle-Moss-42")
    again = Client(HTTP_HOST="abbey.localhost").get(link, follow=True)
    assert "This link has expired" in again.content.decode()


def test_an_unknown_email_gets_the_same_answer_and_no_email(abbey):
    client = Client(HTTP_HOST="abbey.localhost")
    mail.outbox.clear()
    known = client.post("/accounts/reset-password/", {"email": "dsl@abbey.example"}, follow=True)
    unknown = client.post("/accounts/reset-password/", {"email": "who@abbey.example"}, follow=True)
    assert len(mail.outbox) == 1
    text = "If that address has an account here"
    assert text in known.content.decode() and text in unknown.content.decode()


def test_an_expired_password_must_be_changed_before_anything_else(abbey):
    with abbey:
        user = StaffFactory(email="old@abbey.example")
        User.objects.filter(pk=user.pk).update(
            password_changed_at=timezone.now() - timedelta(days=61)
        )
    client = Client(HTTP_HOST="abbey.localhost")
    client.post("/accounts/login/", {"username": "old@abbey.example", "password": PASSWORD})
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/accounts/password/"
    assert client.get("/api/v1/categories/").status_code == 403
    same = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert "Choose a password you have not been using." in same.content.decode()
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Kettle-Moss-42",
            "new_password2": "Kettle-Moss-42",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200


def test_expiry_can_be_switched_off(abbey):
    with abbey:
        SecuritySettings.objects.update_or_create(pk=1, defaults={"expiry_days": 0})
        user = StaffFactory(email="old@abbey.example")
        User.objects.filter(pk=user.pk).update(
            password_changed_at=timezone.now() - timedelta(days=900)
        )
    client = Client(HTTP_HOST="abbey.localhost")
    client.post("/accounts/login/", {"username": "old@abbey.example", "password": PASSWORD})
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "email",
    ["a" * 300 + "@abbey.example", "dsl@abbey.example\u200b", "dsl\u0430@abbey.example", ""],
)
def test_over_long_and_tricky_emails_are_refused_at_sign_in(abbey, email):
    client = Client(HTTP_HOST="abbey.localhost")
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "haven_session" not in response.cookies


def test_a_megabyte_password_is_refused_without_hashing_it(abbey):
    client = Client(HTTP_HOST="abbey.localhost")
    response = client.post(
        "/accounts/login/", {"username": "dsl@abbey.example", "password": "x" * 1_000_000}
    )
    assert response.status_code == 200
    assert "haven_session" not in response.cookies
