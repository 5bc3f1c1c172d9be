"""What one school writes, another cannot see: not by query, not by host, not by cookie."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.factories import PASSWORD, StaffFactory


def test_rows_written_in_one_school_are_invisible_from_another(abbey, westleigh):
    with abbey:
        StaffFactory(email="teacher@abbey.example")
    with westleigh:
        assert not User.objects.filter(email="teacher@abbey.example").exists()
        assert list(User.objects.values_list("email", flat=True)) == ["dsl@westleigh.example"]
    with abbey:
        assert User.objects.filter(email="teacher@abbey.example").exists()
    assert not User.objects.filter(email="teacher@abbey.example").exists()  # nor in public


def test_the_same_person_has_separate_accounts_at_two_schools(abbey, westleigh):
    with abbey:
        StaffFactory(email="supply@teachers.example", full_name="Supply At Abbey")
    with westleigh:
        StaffFactory(email="supply@teachers.example", full_name="Supply At Westleigh")
    with abbey:
        assert User.objects.get(email="supply@teachers.example").full_name == "Supply At Abbey"
    with westleigh:
        assert User.objects.get(email="supply@teachers.example").full_name == "Supply At Westleigh"


def test_an_account_signs_in_only_on_its_own_schools_host(abbey):
    with abbey:
        StaffFactory(email="head@abbey.example")
    credentials = {"username": "head@abbey.example", "password": PASSWORD}
    at_abbey = Client(HTTP_HOST="abbey.localhost").post("/accounts/login/", credentials)
    assert at_abbey.status_code == 302
    at_westleigh = Client(HTTP_HOST="westleigh.localhost").post("/accounts/login/", credentials)
    assert at_westleigh.status_code == 200
    assert "do not match an account here" in at_westleigh.content.decode()
    at_platform = Client(HTTP_HOST="localhost").post("/accounts/login/", credentials)
    assert at_platform.status_code == 200
    assert "do not match an account here" in at_platform.content.decode()


def test_one_schools_session_cookie_is_not_a_session_at_another(abbey):
    with abbey:
        StaffFactory(email="head@abbey.example")
    browser = Client(HTTP_HOST="abbey.localhost")
    browser.post("/accounts/login/", {"username": "head@abbey.example", "password": PASSWORD})
    assert browser.get("/").status_code == 200

    stolen = browser.cookies[settings.SESSION_COOKIE_NAME].value
    elsewhere = Client(HTTP_HOST="westleigh.localhost")
    elsewhere.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = elsewhere.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_session_cookies_are_host_only(abbey):
    with abbey:
        StaffFactory(email="head@abbey.example")
    response = Client(HTTP_HOST="abbey.localhost").post(
        "/accounts/login/", {"username": "head@abbey.example", "password": PASSWORD}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["domain"] == ""
    assert cookie["httponly"] is True
