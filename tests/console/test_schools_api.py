"""POST /api/v1/schools/ on the platform host: operators onboard schools by script."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from console.audit import Act
from console.models import OperatorAction
from tenants.models import School
from tests.factories import OperatorFactory, UserFactory
from tests.sessions import platform_client

NEW_SCHOOL = {
    "slug": "riverside",
    "name": "Riverside Academy",
    "trust": "demo",
    "admin_email": "dsl@riverside.example",
}


@pytest.fixture
def operator_client(db) -> Client:
    return platform_client(OperatorFactory())


def test_an_operator_onboards_a_school_and_it_is_live(operator_client):
    response = operator_client.post("/api/v1/schools/", NEW_SCHOOL, content_type="application/json")
    assert response.status_code == 201
    assert response.json() == {
        "slug": "riverside",
        "name": "Riverside Academy",
        "trust": "demo",
        "status": "active",
        "plan": "standard",
        "url": "http://riverside.localhost:8000/",
        "created": response.json()["created"],
    }
    assert Client(HTTP_HOST="riverside.localhost").get("/accounts/login/").status_code == 200


def test_an_operator_script_can_use_an_api_token(db):
    _, token = AuthToken.objects.create(user=OperatorFactory())
    response = Client(HTTP_HOST="localhost").post(
        "/api/v1/schools/", NEW_SCHOOL, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )  # fmt: skip
    assert response.status_code == 201
    assert School.objects.filter(slug="riverside").exists()


def test_operators_can_list_schools(operator_client):
    response = operator_client.get("/api/v1/schools/")
    assert response.status_code == 200
    assert [school["slug"] for school in response.json()] == ["abbey", "westleigh"]


def test_the_response_never_carries_a_way_into_the_school(operator_client):
    response = operator_client.post("/api/v1/schools/", NEW_SCHOOL, content_type="application/json")
    assert "set-password" not in response.content.decode()
    assert "token" not in response.content.decode()


def test_an_existing_slug_is_a_400_that_changes_nothing(operator_client):
    response = operator_client.post(
        "/api/v1/schools/", {**NEW_SCHOOL, "slug": "abbey"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "slug": ["A school with the slug 'abbey' already exists; nothing was changed."]
    }
    assert School.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Riverside"}, "slug"),
        ({"slug": "www"}, "slug"),
        ({"trust": "nobody"}, "trust"),
        ({"admin_email": "riverside"}, "admin_email"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(operator_client, change, field):
    response = operator_client.post(
        "/api/v1/schools/", {**NEW_SCHOOL, **change}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert School.objects.count() == 2


def test_missing_fields_are_named(operator_client):
    response = operator_client.post("/api/v1/schools/", {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"slug", "name", "admin_email"}


def test_anyone_but_an_operator_is_refused(db):
    anonymous = Client(HTTP_HOST="localhost")
    response = anonymous.post("/api/v1/schools/", NEW_SCHOOL, content_type="application/json")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"

    not_operator = Client(HTTP_HOST="localhost")
    not_operator.force_login(UserFactory())
    response = not_operator.post("/api/v1/schools/", NEW_SCHOOL, content_type="application/json")
    assert response.status_code == 403
    assert not School.objects.filter(slug="riverside").exists()


def test_a_wrong_token_is_refused(db):
    response = Client(HTTP_HOST="localhost").post(
        "/api/v1/schools/", NEW_SCHOOL, content_type="application/json",
        HTTP_AUTHORIZATION="Token not-a-real-token",
    )  # fmt: skip
    assert response.status_code == 401
    assert not School.objects.filter(slug="riverside").exists()


def test_operator_tokens_are_issued_by_command_and_expire(db):
    operator = OperatorFactory()
    out, err = StringIO(), StringIO()
    call_command("operator_token", email=operator.email, stdout=out, stderr=err)
    token = out.getvalue().strip()
    [issued] = AuthToken.objects.filter(user=operator)
    assert 89 <= (issued.expiry - timezone.now()).days <= 90
    assert "expires on" in err.getvalue()
    response = Client(HTTP_HOST="localhost").get(
        "/api/v1/schools/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 200


def test_the_onboarding_api_is_documented_in_the_platform_schema(db):
    schema = yaml.safe_load(Client(HTTP_HOST="localhost").get("/api/schema/").content)
    assert {
        "/api/v1/schools/",
        "/api/v1/trusts/",
        "/api/v1/bulk-onboardings/",
        "/api/v1/bulk-onboardings/{job_id}/",
    } <= set(schema["paths"])
    assert "plan" in schema["components"]["schemas"]["OnboardSchoolRequest"]["properties"]
    upload = schema["paths"]["/api/v1/bulk-onboardings/"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json"} <= set(upload)


def test_an_unknown_plan_is_a_400_and_the_refusal_is_audited(operator_client):
    response = operator_client.post(
        "/api/v1/schools/", {**NEW_SCHOOL, "plan": "gold"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "plan": ["There is no plan with the code 'gold'; the plans are: standard."]
    }
    assert not School.objects.filter(slug="riverside").exists()
    assert OperatorAction.objects.get(act=Act.ONBOARDED).outcome == "refused"
