"""No route takes a write without the page's CSRF token: a forged POST from another site
is refused on every route of both kinds of host, before any view runs."""

from __future__ import annotations

import re

import pytest

from tests.factories import StaffFactory
from tests.haven.test_every_route_is_guarded import ROUTES
from tests.sessions import signed_in


def _path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "MQ" if m[1] == "uidb64" else "1", route)


@pytest.fixture
def forger(abbey):
    with abbey:
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
    return signed_in(abbey, dsl, enforce_csrf_checks=True)


def test_every_school_route_refuses_a_post_without_the_token(abbey, forger):
    refused = {}
    for conf, route, _ in ROUTES:
        if conf != "haven.urls_school":
            continue
        response = forger.post(_path(route), {"x": "1"})
        refused[route] = response.status_code
    # 405: a read-only route (the OpenAPI schema) that takes no POST at all.
    assert refused and all(status in (403, 405) for status in refused.values()), refused
    assert [route for route, status in refused.items() if status == 405] == ["api/schema/"]
