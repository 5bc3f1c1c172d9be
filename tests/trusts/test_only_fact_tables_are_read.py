"""A dashboard page load, a CSV and an API call read the public schema only: the fact tables
and the platform's own (sessions, accounts, second factors, tokens, trusts), never a table
of a school's schema, and the connection never leaves the public schema."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from tests.trusts.helpers import PERIOD, fact, roll

PUBLIC_PREFIXES = ("insights_", "tenants_", "trusts_", "accounts_", "django_", "knox_", "otp_")
TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"([^"]+)"|"([^"]+)"\."', re.IGNORECASE)


def _tables(sql: str) -> set[str]:
    return {a or b for a, b in TABLE.findall(sql)}


@pytest.fixture
def facts(abbey, westleigh):
    fact(abbey, "2024-03", "neglect", incidents=12, actions_open=7, days={1: 9})
    fact(westleigh, "2024-03", "bullying", incidents=3)
    roll(abbey, "2024-03", 400)


@pytest.mark.parametrize(
    "path",
    [
        "/trust/",
        "/trust/csv/trend/",
        "/trust/csv/schools/",
        "/trust/csv/actions/",
        "/trust/csv/first-action/",
        "/api/v1/trust/schools/",
        "/api/v1/trust/figures/trend/",
        "/api/v1/trust/figures/schools/",
        "/api/v1/trust/figures/actions/",
        "/api/v1/trust/figures/first-action/",
    ],
)
def test_a_trust_request_touches_no_school_schema(facts, lead, lead_client, path):
    _, token = AuthToken.objects.create(user=lead.user)
    clients = [lead_client]
    if path.startswith("/api/"):
        clients.append(Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}"))
    for client in clients:
        # Forget the search_path set before, so the request's first query must set its own
        # and the capture below sees which.
        connection.search_path_set_schemas = None
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, PERIOD)
        assert response.status_code == 200
        assert connection.schema_name == "public"
        tables = set().union(*(_tables(q["sql"]) for q in queries.captured_queries))
        assert tables, "the capture saw no table"
        assert {"insights_categorymonth", "trusts_trustlead"} <= tables or path.endswith(
            "/schools/"
        )
        strangers = {t for t in tables if not t.startswith(PUBLIC_PREFIXES)}
        assert not strangers, f"{path} read {strangers}"
        paths = [q["sql"] for q in queries.captured_queries if "search_path" in q["sql"]]
        assert paths, "the capture saw no SET search_path: the check below would be empty"
        assert all(re.sub(r"['\"]", "", p).split("=")[-1].strip() == "public" for p in paths), paths
