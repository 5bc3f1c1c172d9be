from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from tenants.errors import InvalidSchoolDetails
from tenants.models import School
from tenants.services import reactivate_school, suspend_school
from tests.factories import PASSWORD, StaffFactory


def test_a_suspended_school_shows_a_notice_on_every_page(abbey):
    suspend_school(school=abbey, reason="Unpaid invoice")
    client = Client(HTTP_HOST="abbey.localhost")
    for path in ["/", "/accounts/login/", "/anything/else/"]:
        response = client.get(path)
        assert response.status_code == 403
        assert "Abbey Community College's Haven is suspended" in response.content.decode()


def test_nobody_can_sign_in_to_a_suspended_school(abbey):
    with abbey:
        StaffFactory(email="head@abbey.example")
    suspend_school(school=abbey, reason="Unpaid invoice")
    response = Client(HTTP_HOST="abbey.localhost").post(
        "/accounts/login/", {"username": "head@abbey.example", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "haven_session" not in response.cookies


def test_suspension_keeps_every_record_and_reactivation_restores_access(abbey, westleigh):
    with abbey:
        StaffFactory(email="head@abbey.example")
        before = list(User.objects.order_by("email").values_list("email", flat=True))
    suspend_school(school=abbey, reason="Contract paused")
    with abbey:
        assert list(User.objects.order_by("email").values_list("email", flat=True)) == before
    assert Client(HTTP_HOST="westleigh.localhost").get("/accounts/login/").status_code == 200

    reactivate_school(school=School.objects.get(slug="abbey"))
    client = Client(HTTP_HOST="abbey.localhost")
    client.post("/accounts/login/", {"username": "head@abbey.example", "password": PASSWORD})
    assert client.get("/").status_code == 200


def test_suspending_needs_a_reason(abbey):
    with pytest.raises(InvalidSchoolDetails, match="reason"):
        suspend_school(school=abbey, reason="  ")
    assert School.objects.get(slug="abbey").status == School.Status.ACTIVE


def test_an_offboarding_school_says_it_is_closing(abbey):
    abbey.status = School.Status.OFFBOARDING
    abbey.save()
    response = Client(HTTP_HOST="abbey.localhost").get("/")
    assert response.status_code == 403
    assert "is closing" in response.content.decode()


def test_an_overlong_reason_is_refused(abbey):
    with pytest.raises(InvalidSchoolDetails, match="500 characters"):
        suspend_school(school=abbey, reason="x" * 501)
    assert School.objects.get(slug="abbey").status == School.Status.ACTIVE


def test_an_offboarding_school_cannot_be_reactivated(abbey):
    abbey.status = School.Status.OFFBOARDING
    abbey.save()
    with pytest.raises(InvalidSchoolDetails, match="cannot be reactivated"):
        reactivate_school(school=abbey)
    assert School.objects.get(slug="abbey").status == School.Status.OFFBOARDING


def test_suspended_and_unknown_hosts_still_get_stylesheets_and_security_headers(abbey, settings):
    settings.WHITENOISE_USE_FINDERS = True  # the tests collect no static files
    suspend_school(school=abbey, reason="Unpaid invoice")
    for host in ("abbey.localhost", "nope.localhost"):
        client = Client(HTTP_HOST=host)
        assert client.get("/static/haven/haven.css").status_code == 200
        page = client.get("/")
        assert page.status_code in (403, 404)
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
