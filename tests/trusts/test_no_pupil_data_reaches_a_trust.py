"""With Abbey and Westleigh full of synthetic pupils and incidents, and their facts rebuilt,
no pupil's name, UPN or incident text is in any trust page, CSV or API answer."""

from __future__ import annotations

import datetime
import json

from django.utils import timezone

from insights.services import rebuild
from safeguarding.concerns.models import Incident
from safeguarding.demo_data import generate
from safeguarding.people.models import Pupil
from trusts.figures import PANELS


def test_no_pupil_or_incident_detail_appears_anywhere_a_lead_can_look(
    abbey, westleigh, lead_client
):
    secrets: set[str] = set()
    for school, phase in ((abbey, "secondary"), (westleigh, "primary")):
        with school:
            generate(pupils=30, incidents=120, phase=phase, seed=7)
            for pupil in Pupil.objects.all():
                secrets |= {
                    f"{pupil.legal_first_name} {pupil.legal_last_name}",
                    pupil.upn,
                }
            secrets |= {text[:40] for text in Incident.objects.values_list("text", flat=True)}
        rebuild(school)
    secrets.discard("")

    # Closed months only: up to the last full month.
    last = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    first = (last - datetime.timedelta(days=700)).replace(day=1)
    period = {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}
    answers = {"/trust/": lead_client.get("/trust/", period)}
    for panel in PANELS:
        answers[f"/trust/csv/{panel}/"] = lead_client.get(f"/trust/csv/{panel}/", period)
        answers[f"/api/{panel}"] = lead_client.get(f"/api/v1/trust/figures/{panel}/", period)
    answers["/api/schools"] = lead_client.get("/api/v1/trust/schools/")
    for school in ("abbey", "westleigh"):
        answers[school] = lead_client.get("/trust/", {**period, "school": school})

    page = answers["/trust/"].content.decode()
    assert "Abbey Community College" in page and "Westleigh Methodist Primary School" in page
    assert "&lt;5" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart') >= 3
    for where, response in answers.items():
        assert response.status_code == 200, where
        text = response.content.decode("utf-8-sig")
        if where.startswith("/api/"):
            text = json.dumps(response.json(), ensure_ascii=False)
            assert '"pupil' not in text
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{where} shows {leaked[:3]}"
