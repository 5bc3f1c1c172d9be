"""Repeated wrong passwords lock one email from one address, never the email everywhere."""

from __future__ import annotations

from django.test import Client

from tests.factories import PASSWORD, StaffFactory


def _attempt(email: str, password: str, address: str):
    client = Client(HTTP_HOST="abbey.localhost", REMOTE_ADDR=address)
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_five_wrong_passwords_lock_that_email_from_that_address(abbey):
    with abbey:
        StaffFactory(email="lead@abbey.example", role="Safeguarding team")
    for attempt in range(5):
        # Any case and spacing of the address is the same counter, not a way round it.
        email = "LEAD@abbey.example " if attempt % 2 else "lead@abbey.example"
        _attempt(email, "wrong", "203.0.113.9")
    locked = _attempt("lead@abbey.example", PASSWORD, "203.0.113.9")
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    assert "haven_session" not in locked.cookies


def test_an_attacker_cannot_lock_the_dsl_out_from_elsewhere(abbey):
    with abbey:
        StaffFactory(email="lead@abbey.example", role="Safeguarding team")
    for _ in range(6):
        _attempt("lead@abbey.example", "wrong", "198.51.100.7")
    at_school = _attempt("lead@abbey.example", PASSWORD, "203.0.113.20")
    assert at_school.status_code == 302


def test_fewer_failures_do_not_lock_and_success_starts_the_count_again(abbey):
    with abbey:
        StaffFactory(email="t@abbey.example")
    for _ in range(4):
        _attempt("t@abbey.example", "wrong", "203.0.113.9")
    assert _attempt("t@abbey.example", PASSWORD, "203.0.113.9").status_code == 302
    for _ in range(4):
        _attempt("t@abbey.example", "wrong", "203.0.113.9")
    assert _attempt("t@abbey.example", PASSWORD, "203.0.113.9").status_code == 302


def test_a_lockout_in_one_school_is_not_one_in_another(abbey, westleigh):
    with abbey:
        StaffFactory(email="same@person.example")
    with westleigh:
        StaffFactory(email="same@person.example")
    for _ in range(5):
        _attempt("same@person.example", "wrong", "203.0.113.9")
    other = Client(HTTP_HOST="westleigh.localhost", REMOTE_ADDR="203.0.113.9")
    response = other.post(
        "/accounts/login/", {"username": "same@person.example", "password": PASSWORD}
    )
    assert response.status_code == 302
