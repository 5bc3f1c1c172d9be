"""Suspending and reactivating a school from the console, the API and the command line:
each done or refused action is in the operators' audit, and a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from console import lifecycle
from console.audit import Act
from console.lifecycle import LifecycleRefused
from console.models import OperatorAction
from tenants.models import School
from tests.factories import PASSWORD, OperatorFactory, StaffFactory, UserFactory
from tests.sessions import platform_client


def _last(act: str) -> OperatorAction:
    return OperatorAction.objects.filter(act=act).order_by("-pk").first()


def test_an_operator_suspends_a_school_and_its_staff_get_the_notice_when_signing_in(abbey):
    with abbey:
        StaffFactory(email="head@abbey.example")
    operator = OperatorFactory()
    response = platform_client(operator).post(
        "/console/schools/abbey/suspend/", {"reason": "  Contract   paused "}
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/schools/abbey/"
    school = School.objects.get(slug="abbey")
    assert (school.status, school.status_reason) == ("suspended", "Contract paused")
    entry = _last(Act.SUSPENDED)
    assert (entry.outcome, entry.operator_email, entry.school, entry.reason) == (
        "done", operator.email, school, "Contract paused",
    )  # fmt: skip

    signing_in = Client(HTTP_HOST="abbey.localhost").post(
        "/accounts/login/", {"username": "head@abbey.example", "password": PASSWORD}
    )
    assert signing_in.status_code == 403
    assert "Abbey Community College's Haven is suspended" in signing_in.content.decode()
    assert "haven_session" not in signing_in.cookies


def test_suspending_without_a_reason_is_refused_on_the_page_and_audited(abbey):
    response = platform_client(OperatorFactory()).post(
        "/console/schools/abbey/suspend/", {"reason": "   "}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a reason for suspending the school." in page
    assert 'aria-invalid="true"' in page
    assert School.objects.get(slug="abbey").status == "active"
    assert _last(Act.SUSPENDED).outcome == "refused"


def test_suspending_a_suspended_school_is_refused_and_keeps_its_reason(abbey):
    operator = OperatorFactory()
    lifecycle.suspend(school=abbey, by=operator, reason="Unpaid invoice")
    with pytest.raises(LifecycleRefused, match="already suspended"):
        lifecycle.suspend(school=abbey, by=operator, reason="Another reason")
    assert School.objects.get(slug="abbey").status_reason == "Unpaid invoice"
    assert _last(Act.SUSPENDED).outcome == "refused"


def test_reactivating_asks_for_confirmation_then_opens_the_school_again(abbey):
    operator = OperatorFactory()
    lifecycle.suspend(school=abbey, by=operator, reason="Unpaid invoice")
    client = platform_client(operator)
    school_page = client.get("/console/schools/abbey/").content.decode()
    assert 'href="/console/schools/abbey/reactivate/"' in school_page
    confirm = client.get("/console/schools/abbey/reactivate/")
    assert "Reactivating opens its address again" in confirm.content.decode()
    assert School.objects.get(slug="abbey").status == "suspended"

    refused = client.post("/console/schools/abbey/reactivate/", {"reason": "  "})
    assert refused.status_code == 400
    assert "Give a reason for reactivating the school." in refused.content.decode()
    assert 'aria-invalid="true"' in refused.content.decode()
    assert School.objects.get(slug="abbey").status == "suspended"
    assert _last(Act.REACTIVATED).outcome == "refused"

    response = client.post("/console/schools/abbey/reactivate/", {"reason": "Invoice paid"})
    assert response.status_code == 302
    school = School.objects.get(slug="abbey")
    assert (school.status, school.status_reason) == ("active", "")
    entry = _last(Act.REACTIVATED)
    assert (entry.outcome, entry.reason) == ("done", "Invoice paid")
    assert Client(HTTP_HOST="abbey.localhost").get("/accounts/login/").status_code == 200


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("active", "already active"),
        ("offboarding", "cancel the offboarding to keep it"),
        ("removed", "has been removed"),
    ],
)
def test_only_a_suspended_school_can_be_reactivated(abbey, status, message):
    abbey.status = status
    abbey.save()
    with pytest.raises(LifecycleRefused, match=message):
        lifecycle.reactivate(school=abbey, by=OperatorFactory(), reason="Paid")
    assert School.objects.get(slug="abbey").status == status
    assert _last(Act.REACTIVATED).outcome == "refused"


def test_the_command_line_suspends_and_reactivates_and_is_audited(abbey):
    call_command("suspend_school", slug="abbey", reason="Term ended")
    assert School.objects.get(slug="abbey").status == "suspended"
    assert _last(Act.SUSPENDED).operator_email == lifecycle.CLI
    call_command("reactivate_school", slug="abbey", reason="New term")
    assert School.objects.get(slug="abbey").status == "active"
    assert _last(Act.REACTIVATED).reason == "New term"
    with pytest.raises(CommandError, match="already active"):
        call_command("reactivate_school", slug="abbey", reason="New term")
    assert _last(Act.REACTIVATED).outcome == "refused"


def test_operators_suspend_and_reactivate_through_the_api(abbey):
    client = platform_client(OperatorFactory())
    response = client.post(
        "/api/v1/schools/abbey/suspend/", {"reason": "Unpaid"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "slug": "abbey",
        "name": "Abbey Community College",
        "status": "suspended",
        "status_reason": "Unpaid",
    }
    again = client.post(
        "/api/v1/schools/abbey/suspend/", {"reason": "Unpaid"}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["Abbey Community College is already suspended."]}
    no_reason = client.post(
        "/api/v1/schools/abbey/reactivate/", {}, content_type="application/json"
    )
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["Give a reason for reactivating the school."]}
    reactivated = client.post(
        "/api/v1/schools/abbey/reactivate/", {"reason": "Paid"}, content_type="application/json"
    )
    assert reactivated.json()["status"] == "active"
    missing = client.post("/api/v1/schools/nowhere/reactivate/", {"reason": "Paid"})
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is no school with the slug 'nowhere'."}


def test_the_api_refuses_a_missing_reason_and_anyone_but_an_operator(abbey):
    refused = platform_client(OperatorFactory()).post(
        "/api/v1/schools/abbey/suspend/", {}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json() == {"reason": ["Give a reason for suspending the school."]}
    stranger = platform_client(UserFactory()).post(
        "/api/v1/schools/abbey/suspend/", {"reason": "x"}, content_type="application/json"
    )
    assert stranger.status_code == 403
    assert School.objects.get(slug="abbey").status == "active"
