"""The school API: the same rules as the pages, as JSON, on the school's own host."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from safeguarding.access.models import Role
from safeguarding.access.services import set_category_level
from safeguarding.concerns.models import Attachment, Category, Incident
from safeguarding.concerns.services import record_incident
from tests import samples
from tests.factories import GroupFactory, PupilFactory, StaffFactory, UserFactory
from tests.sessions import signed_in, verified_viewer


@pytest.fixture
def people(abbey):
    with abbey:
        form = GroupFactory(name="8T", kind="form")
        yield {
            "teacher": StaffFactory(email="t@abbey.example", groups=[form]),
            "slt": StaffFactory(email="s@abbey.example", role="SLT"),
            "dsl": StaffFactory(email="d@abbey.example", role="Safeguarding team"),
            "pupil": PupilFactory(form=form),
            "classmate": PupilFactory(form=form),
            "other": PupilFactory(),
            "concern": Category.objects.get(name="Cause for Concern").pk,
            "protection": Category.objects.get(name="Child Protection").pk,
        }


def _incident_json(people, **changes) -> dict:
    return {
        "pupil": people["pupil"].pk,
        "text": "Said she had not eaten since yesterday.",
        "categories": [people["concern"]],
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=30)).isoformat(),
        **changes,
    }


def _post(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def test_the_api_needs_a_signed_in_member_of_staff_with_a_role(abbey, people):
    assert Client(HTTP_HOST="abbey.localhost").get("/api/v1/incidents/").status_code == 403
    with abbey:
        roleless = UserFactory(email="nobody@abbey.example")
    assert signed_in(abbey, roleless).get("/api/v1/incidents/").status_code == 403


def test_a_teacher_records_an_incident_as_json(abbey, people):
    client = signed_in(abbey, people["teacher"])
    response = _post(
        client,
        "/api/v1/incidents/",
        _incident_json(
            people,
            linked=[{"pupil": people["classmate"].pk, "role": "witness"}],
            marks=[{"side": "front", "x": 100, "y": 200, "kind": "bruise"}],
            alert=[people["dsl"].pk],
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == f"#{body['id']}"
    assert body["pupil"]["id"] == people["pupil"].pk
    assert [c["name"] for c in body["categories"]] == ["Cause for Concern"]
    assert body["linked"][0]["role"] == "witness"
    assert body["marks"] == [{"side": "front", "x": 100, "y": 200, "kind": "bruise", "note": ""}]
    assert body["recorded_by"] == people["teacher"].staff_profile.initials


def test_files_come_as_multipart_with_the_incident_as_json(abbey, people):
    client = signed_in(abbey, people["teacher"])
    response = client.post(
        "/api/v1/incidents/",
        {
            "data": json.dumps(_incident_json(people)),
            "files": [SimpleUploadedFile("letter.pdf", samples.PDF)],
        },
    )
    assert response.status_code == 201, response.content
    [file] = response.json()["files"]
    assert (file["name"], file["content_type"]) == ("letter.pdf", "application/pdf")
    download = client.get(f"/api/v1/files/{file['id']}/")
    assert download.headers["Content-Disposition"] == 'attachment; filename="letter.pdf"'


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pupil": 10**9}, "pupil"),
        ({"pupil": "Jo"}, "pupil"),
        ({"categories": []}, "categories"),
        ({"categories": "protection"}, "categories"),
        ({"text": "<script>alert(1)</script>"}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"occurred_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"occurred_at": "last Tuesday"}, "occurred_at"),
        ({"status": "closed"}, "status"),
        ({"marks": [{"side": "front", "x": 5000, "y": 1, "kind": "bruise"}]}, "marks"),
        ({"alert": [10**9]}, "alert"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(abbey, people, changes, field):
    response = _post(
        signed_in(abbey, people["teacher"]), "/api/v1/incidents/", _incident_json(people, **changes)
    )
    assert response.status_code == 400
    assert field in response.json()
    with abbey:
        assert not Incident.objects.exists()


def _set_level(role: str, category_id: int, level: str) -> None:
    category = Category.objects.get(pk=category_id)
    set_category_level(role=Role.objects.get(name=role), category=category, level=level)


def test_a_category_the_teacher_may_not_use_is_a_400(abbey, people):
    with abbey:
        _set_level("Teachers", people["protection"], "none")
    response = _post(
        signed_in(abbey, people["teacher"]),
        "/api/v1/incidents/",
        _incident_json(people, categories=[people["protection"]]),
    )
    assert response.status_code == 400
    assert "categories" in response.json()


def test_a_disallowed_file_is_refused_and_nothing_is_kept(abbey, people):
    response = signed_in(abbey, people["teacher"]).post(
        "/api/v1/incidents/",
        {
            "data": json.dumps(_incident_json(people)),
            "files": [SimpleUploadedFile("holiday.jpg", samples.EXE)],
        },
    )
    assert response.status_code == 400
    assert "files" in response.json()
    with abbey:
        assert not Incident.objects.exists() and not Attachment.objects.exists()


def test_restricted_incidents_are_404s_and_missing_from_lists(abbey, people):
    with abbey:
        hidden = record_incident(
            viewer=verified_viewer(people["dsl"]),
            pupil_id=people["pupil"].pk,
            text="Disclosure.",
            category_ids=[people["protection"]],
            occurred_at=timezone.now(),
        )
    for who in ("teacher", "slt"):
        client = signed_in(abbey, people[who])
        assert client.get(f"/api/v1/incidents/{hidden.pk}/").status_code == 404
        assert client.get(f"/api/v1/incidents/{hidden.pk}/actions/").status_code == 404
        listed = client.get("/api/v1/incidents/").json()["results"]
        assert hidden.pk not in [incident["id"] for incident in listed]
        assert (
            _post(
                client, f"/api/v1/incidents/{hidden.pk}/actions/", {"kind": "note", "text": "x"}
            ).status_code
            == 404
        )
    dsl = signed_in(abbey, people["dsl"])
    assert dsl.get(f"/api/v1/incidents/{hidden.pk}/").json()["text"] == "Disclosure."
    action = _post(
        dsl,
        f"/api/v1/incidents/{hidden.pk}/actions/",
        {"kind": "referral", "text": "Referred.", "agency": None},
    )
    assert action.status_code == 400 and "agency" in action.json()


def test_pupils_and_their_chronology_follow_the_policy(abbey, people):
    with abbey:
        record_incident(
            viewer=verified_viewer(people["teacher"]),
            pupil_id=people["pupil"].pk,
            text="Late.",
            category_ids=[people["concern"]],
            occurred_at=timezone.now(),
        )
    teacher = signed_in(abbey, people["teacher"])
    listed = teacher.get("/api/v1/pupils/").json()
    assert {p["id"] for p in listed["results"]} == {people["pupil"].pk, people["classmate"].pk}
    # Write-only staff find the pupils they record about, and open no pupil's file.
    for pupil in ("pupil", "other"):
        assert teacher.get(f"/api/v1/pupils/{people[pupil].pk}/").status_code == 404
        assert teacher.get(f"/api/v1/pupils/{people[pupil].pk}/chronology/").status_code == 404
    slt = signed_in(abbey, people["slt"])
    assert slt.get(f"/api/v1/pupils/{people['pupil'].pk}/").json()["guardians"] == []
    chronology = slt.get(f"/api/v1/pupils/{people['pupil'].pk}/chronology/").json()
    assert [entry["kind"] for entry in chronology] == ["incident"]


def test_pupils_are_searched_by_post_within_what_the_caller_may_see(abbey, people):
    with abbey:
        for key, first, last in (("pupil", "Zaina", "Quist"), ("other", "Zack", "Quinn")):
            people[key].legal_first_name, people[key].legal_last_name = first, last
            people[key].save()
    teacher = signed_in(abbey, people["teacher"])
    found = _post(teacher, "/api/v1/pupils/search/", {"q": "qui"}).json()["results"]
    assert [p["name"] for p in found] == ["Zaina Quist"]
    slt = signed_in(abbey, people["slt"])
    both = _post(slt, "/api/v1/pupils/search/", {"q": "z qui", "limit": 5}).json()["results"]
    assert [p["name"] for p in both] == ["Zack Quinn", "Zaina Quist"]
    refused = teacher.get("/api/v1/pupils/", {"q": "qui"})
    assert refused.status_code == 400 and "POST" in refused.json()["q"][0]
    empty = _post(teacher, "/api/v1/pupils/search/", {"q": ""})
    assert empty.status_code == 400 and "q" in empty.json()


def test_categories_show_titles_by_role_and_only_dsls_add_them(abbey, people):
    teacher = signed_in(abbey, people["teacher"])
    names = {c["name"]: c["may_record"] for c in teacher.get("/api/v1/categories/").json()}
    # Anyone may report a child-protection concern; reading others' is another matter.
    assert names["Behaviour"] is True and names["Child Protection"] is True
    with abbey:
        _set_level("SLT", people["protection"], "title")
    slt = {
        c["name"]: c["may_record"]
        for c in signed_in(abbey, people["slt"]).get("/api/v1/categories/").json()
    }
    assert slt["Child Protection"] is False  # a title the school set: not the right to record
    assert (
        _post(
            teacher, "/api/v1/categories/", {"name": "Gangs", "standard": "exploitation"}
        ).status_code
        == 403
    )
    added = _post(
        signed_in(abbey, people["dsl"]),
        "/api/v1/categories/",
        {"name": "Gangs", "standard": "exploitation"},
    )
    assert added.status_code == 201 and added.json()["label"] == "Gangs"


def test_writes_over_a_session_need_the_csrf_token(abbey, people):
    client = Client(HTTP_HOST="abbey.localhost", enforce_csrf_checks=True)
    with abbey:
        client.force_login(people["teacher"])
    response = _post(client, "/api/v1/incidents/", _incident_json(people))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_openapi_schema_is_published(abbey):
    response = Client(HTTP_HOST="abbey.localhost").get("/api/schema/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith("openapi: 3")
    for path in ("/api/v1/incidents/", "/api/v1/pupils/{id}/chronology/", "/api/v1/files/{id}/"):
        assert f"  {path}:" in body
