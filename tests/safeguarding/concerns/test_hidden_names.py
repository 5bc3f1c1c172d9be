"""Once a DSL hides the names on an incident, every page and API answer shows its pupils by
initials: the incident, its actions, its history, lists, the dashboard and chronologies."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.utils import timezone

from safeguarding.concerns.models import Category
from safeguarding.concerns.services import (
    Link,
    Mark,
    Upload,
    add_action,
    record_incident,
    set_names_hidden,
)
from tests import samples
from tests.factories import PupilFactory, StaffFactory
from tests.sessions import signed_in, verified_viewer

NAMES = ("Amara", "Okafor", "Mara", "Cara", "Ndlovu")


@pytest.fixture
def hidden(abbey):
    """A DSL's incident about Amara (who goes by Mara) with Cara linked, an action naming
    both, then the names hidden with a reason that names her too."""
    with abbey:
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
        amara = PupilFactory(
            legal_first_name="Amara", legal_last_name="Okafor", preferred_first_name="Mara"
        )
        cara = PupilFactory(legal_first_name="Cara", legal_last_name="Ndlovu")
        viewer = verified_viewer(dsl)
        incident = record_incident(
            viewer=viewer,
            pupil_id=amara.pk,
            text="Amara Okafor told Cara that she is scared of Okafor cousins.",
            category_ids=[Category.objects.get(name="Child Protection").pk],
            occurred_at=timezone.now(),
            links=[Link(pupil_id=cara.pk, role="witness")],
            marks=[Mark(side="front", x=10, y=20, kind="bruise", note="Amara said it hurt")],
            uploads=[Upload(file=BytesIO(samples.TEXT), name="amara okafor notes.txt")],
        )
        add_action(
            viewer=viewer, incident_id=incident.pk, kind="note", text="Spoke to Cara Ndlovu.",
            uploads=[Upload(file=BytesIO(samples.TEXT), name="Cara_statement.TXT")],
        )  # fmt: skip
        set_names_hidden(
            viewer=viewer, incident_id=incident.pk, hidden=True, reason="Mara asked us to"
        )
    return {"dsl": dsl, "incident": incident, "amara": amara, "cara": cara}


def _no_names(text: str) -> None:
    assert not [name for name in NAMES if name in text], text


def test_the_incident_page_and_its_add_action_page_show_initials(abbey, hidden):
    client = signed_in(abbey, hidden["dsl"])
    page = client.get(f"/incidents/{hidden['incident'].pk}/").content.decode()
    _no_names(page)
    assert "MO told CN that she is scared of MO cousins." in page
    assert "Spoke to CN." in page and "MO asked us to" in page
    assert "MO said it hurt" in page
    files = hidden["incident"].attachments.order_by("pk")
    assert [f"file-{f.pk}.txt" for f in files] == re.findall(r"download>([^<]+)</a>", page)
    _no_names(client.get(f"/incidents/{hidden['incident'].pk}/actions/new/").content.decode())


def test_the_dashboard_lists_the_incident_by_initials(abbey, hidden):
    dashboard = signed_in(abbey, hidden["dsl"]).get("/").content.decode()
    assert f"{hidden['incident'].reference}</strong> · MO" in dashboard
    _no_names(dashboard)


def test_the_linked_pupils_chronology_shows_initials_not_a_blank(abbey, hidden):
    page = signed_in(abbey, hidden["dsl"]).get(f"/pupils/{hidden['cara'].pk}/").content.decode()
    assert "MO told CN" in page and "Spoke to CN." in page
    assert "Mara" not in page and "Okafor" not in page  # Cara's own page names only her


def test_the_api_shows_initials_everywhere_the_incident_appears(abbey, hidden):
    client = signed_in(abbey, hidden["dsl"])
    incident_id = hidden["incident"].pk
    detail = client.get(f"/api/v1/incidents/{incident_id}/").json()
    assert detail["pupil"]["name"] == "MO"
    assert [link["pupil"]["name"] for link in detail["linked"]] == ["CN"]
    assert [action["text"] for action in detail["actions"]] == ["Spoke to CN."]
    assert detail["marks"][0]["note"] == "MO said it hurt"
    assert [f["name"] for f in detail["files"]] == [f"file-{detail['files'][0]['id']}.txt"]
    [action_file] = detail["actions"][0]["files"]
    assert action_file["name"] == f"file-{action_file['id']}.txt"
    listed = client.get("/api/v1/incidents/").json()["results"]
    assert [item["pupil"]["name"] for item in listed] == ["MO"]
    actions = client.get(f"/api/v1/incidents/{incident_id}/actions/").json()
    assert [action["text"] for action in actions] == ["Spoke to CN."]
    added = client.post(
        f"/api/v1/incidents/{incident_id}/actions/",
        {"kind": "note", "text": "Mara seemed calmer."},
        content_type="application/json",
    ).json()
    assert added["text"] == "MO seemed calmer."
    chronology = client.get(f"/api/v1/pupils/{hidden['amara'].pk}/chronology/").content.decode()
    assert "MO told CN" in chronology
    _no_names(chronology)
