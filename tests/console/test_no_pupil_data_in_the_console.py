"""With Abbey full of synthetic pupils and incidents, an operator who follows every link in
the console and reads every answer of the operator API finds no pupil's name, UPN or
incident text anywhere."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from django.urls import resolve
from django.utils import timezone

from billing.services import billing_run
from console import health
from console.lifecycle import request_offboarding
from console.onboarding import start_bulk_onboarding
from safeguarding.concerns.models import Incident
from safeguarding.demo_data import generate
from safeguarding.people.models import Pupil
from tests.factories import OperatorFactory
from tests.sessions import platform_client

LINK = re.compile(r'(?:href|hx-get)="([^"#]+)"')
# Whole console sections an operator reaches from its pages; anything else is not followed.
WALKED = ("/console/", "/api/v1/")


def _secrets(school) -> set[str]:
    with school:
        generate(pupils=30, incidents=120, phase="secondary", seed=11)
        found: set[str] = set()
        for pupil in Pupil.objects.all():
            found |= {
                f"{pupil.legal_first_name} {pupil.legal_last_name}",
                pupil.legal_last_name,
                pupil.upn,
            }
        found |= {text[:40] for text in Incident.objects.values_list("text", flat=True)}
    found.discard("")
    return {secret for secret in found if len(secret) >= 4}


def _walk(client, start: list[str]) -> dict[str, str]:
    """GET every same-host console and API address reachable from `start` by links."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue:
        address = queue.pop()
        if address in seen:
            continue
        response = client.get(address)
        assert response.status_code in (200, 302), (address, response.status_code)
        body = b"" if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        seen[address] = text
        if response.status_code == 302:
            queue.append(response["Location"])
            continue
        for link in LINK.findall(text):
            link = urljoin(address, link.replace("&amp;", "&"))
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith(WALKED):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_no_pupil_or_incident_detail_appears_anywhere_an_operator_can_look(abbey, westleigh):
    secrets = _secrets(abbey)
    health.measure(abbey)
    health.measure(westleigh)
    operator = OperatorFactory()
    # Something on every console page: invoices, a bulk onboarding, an offboarding.
    billing_run(month=timezone.localdate().replace(day=1), by=operator)
    start_bulk_onboarding(
        by=operator,
        trust="demo",
        data=b"slug,name,template,plan,dsl_email\nnew-one,New One,,,dsl@new.example\n",
    )
    request_offboarding(school=abbey, by=operator, reason="Closing")
    client = platform_client(operator)
    api = [
        path
        for path in client.get("/api/schema/", {"format": "json"}).json()["paths"]
        if "{" not in path and path.startswith("/api/v1/") and "/trust/" not in path
    ]
    pages = _walk(client, ["/console/", *api])

    assert "Abbey Community College" in pages["/console/"]
    visited_routes = {
        resolve(urlsplit(address).path, urlconf="haven.urls_public").view_name for address in pages
    }
    for route in ("console:school", "console:bulk_job", "billing:invoice", "console:offboarding"):
        assert route in visited_routes, route
    for address, text in pages.items():
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{address} shows {leaked[:3]}"
