"""Each request's Host header picks the schema; nothing else does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory

from tenants.middleware import SchoolHostMiddleware


def _schema_seen_for(host: str) -> tuple[int, str | None]:
    seen: dict[str, str] = {}

    def view(request):
        seen["schema"] = connection.schema_name
        return HttpResponse("ok")

    response = SchoolHostMiddleware(view)(RequestFactory().get("/", HTTP_HOST=host))
    return response.status_code, seen.get("schema")


@pytest.mark.parametrize(
    ("host", "schema"),
    [
        ("abbey.localhost", "abbey"),
        ("westleigh.localhost:8000", "westleigh"),
        ("ABBEY.LOCALHOST", "abbey"),
        ("localhost", "public"),
        ("localhost:8000", "public"),
    ],
)
def test_host_chooses_the_schema(db, host, schema):
    assert _schema_seen_for(host) == (200, schema)


@pytest.mark.parametrize("host", ["nope.localhost", "www.localhost", "abbey.westleigh.localhost"])
def test_a_host_with_no_school_is_404_and_never_reaches_a_view(db, host):
    status, schema = _schema_seen_for(host)
    assert status == 404
    assert schema is None


@pytest.mark.parametrize("host", ["abbey.evil.example", "_template.localhost", "abbey.localhost@x"])
def test_a_host_outside_the_base_domain_or_malformed_is_refused(db, host):
    status, schema = _schema_seen_for(host)
    assert status == 400
    assert schema is None


def test_unknown_host_gets_a_helpful_not_found_page_not_the_platform(db):
    response = Client(HTTP_HOST="nope.localhost").get("/")
    assert response.status_code == 404
    assert "There is no Haven site at this address" in response.content.decode()
    assert "platform" not in response.content.decode().lower()


def test_school_pages_send_a_strict_content_security_policy(db):
    response = Client(HTTP_HOST="abbey.localhost").get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_platform_host_sends_visitors_to_sign_in(db):
    response = Client(HTTP_HOST="localhost").get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/"
    page = Client(HTTP_HOST="localhost").get("/accounts/login/").content.decode()
    assert "Sign in to the Haven platform" in page


def test_the_operator_api_does_not_exist_on_a_school_host(db):
    response = Client(HTTP_HOST="abbey.localhost").post("/api/v1/schools/", {})
    assert response.status_code == 404
