"""The platform host describes its own API (operators' and trusts'), not a school's."""

from __future__ import annotations

import yaml
from django.test import Client


def test_the_platform_schema_lists_the_trust_api_and_no_school_route(db):
    response = Client(HTTP_HOST="localhost").get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["info"]["title"] == "Haven platform API"
    assert {
        "/api/v1/trust/schools/",
        "/api/v1/trust/figures/{panel}/",
        "/api/v1/trusts/{slug}/leads/",
        "/api/v1/schools/",
    } <= set(schema["paths"])
    assert not any("incident" in path or "pupil" in path for path in schema["paths"])
