"""Each read of a child's file, on the pages and in the API, is in the audit log with who,
what and which pupil, and never the child's name or what was recorded. A 404 records nothing."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.utils import timezone

from safeguarding.access.models import Role
from safeguarding.access.services import set_category_level
from safeguarding.audit.models import AuditEvent
from safeguarding.concerns.models import Category
from safeguarding.concerns.services import Upload, record_incident
from tests import samples
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in, verified_viewer

TEXT = "Amara disclosed something at break."


@pytest.fixture
def people(abbey):
    with abbey:
        form = GroupFactory(name="9R", kind="form")
        yield {
            "teacher": StaffFactory(email="teacher@abbey.example", groups=[form]),
            "dsl": StaffFactory(email="lead@abbey.example", role="Safeguarding team"),
            "pupil": PupilFactory(legal_first_name="Amara", legal_last_name="Okafor", form=form),
        }


@pytest.fixture
def incident(abbey, people):
    with abbey:
        return record_incident(
            viewer=verified_viewer(people["dsl"]),
            pupil_id=people["pupil"].pk,
            text=TEXT,
            category_ids=[Category.objects.get(name="Child Protection").pk],
            occurred_at=timezone.now(),
            uploads=[Upload(file=BytesIO(samples.PDF), name="amara-statement.pdf")],
        )


def _events(school) -> list[dict]:
    """What was read or changed; each signed-in test client's sign-in is recorded too."""
    with school:
        return list(AuditEvent.objects.exclude(action="login").order_by("seq").values())


def _assert_no_child_content(events: list[dict]) -> None:
    for event in events:
        for column, value in event.items():
            text = str(value)
            for secret in ("Amara", "Okafor", "amara", "disclosed", "statement"):
                assert secret not in text, f"{secret!r} in {column}"


def test_a_pupil_page_view_records_who_which_pupil_and_from_where(abbey, people):
    pupil = people["pupil"]
    response = signed_in(abbey, people["dsl"]).get(
        f"/pupils/{pupil.pk}/", HTTP_USER_AGENT="Test browser"
    )
    assert response.status_code == 200
    [event] = _events(abbey)
    assert event["action"] == "pupil_viewed"
    assert event["actor_id"] == people["dsl"].pk
    assert event["actor_label"] == "lead@abbey.example"
    assert (event["object_type"], event["object_id"], event["pupil_id"]) == (
        "pupil",
        pupil.pk,
        pupil.pk,
    )
    assert event["ip"] == "127.0.0.1"
    assert event["user_agent"] == "Test browser"
    assert event["detail"] == '{"chronology":true}'
    _assert_no_child_content([event])


def test_an_incident_page_view_records_the_incident_and_its_pupil(abbey, people, incident):
    response = signed_in(abbey, people["dsl"]).get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200 and TEXT in response.content.decode()
    [event] = _events(abbey)
    assert (event["action"], event["object_type"], event["object_id"]) == (
        "incident_viewed",
        "incident",
        incident.pk,
    )
    assert event["pupil_id"] == people["pupil"].pk
    _assert_no_child_content([event])


def test_a_file_download_records_the_file_its_incident_and_pupil(abbey, people, incident):
    with abbey:
        file_id = incident.attachments.get().pk
    response = signed_in(abbey, people["dsl"]).get(f"/files/{file_id}/")
    assert response.status_code == 200
    [event] = _events(abbey)
    assert (event["action"], event["object_type"], event["object_id"]) == (
        "file_downloaded",
        "file",
        file_id,
    )
    assert event["pupil_id"] == people["pupil"].pk
    assert f'"incident":{incident.pk}' in event["detail"]
    _assert_no_child_content([event])


def test_the_api_records_each_read(abbey, people, incident):
    client = signed_in(abbey, people["dsl"])
    pupil = people["pupil"].pk
    with abbey:
        file_id = incident.attachments.get().pk
    for path in (
        f"/api/v1/pupils/{pupil}/",
        f"/api/v1/pupils/{pupil}/chronology/",
        f"/api/v1/incidents/{incident.pk}/",
        f"/api/v1/incidents/{incident.pk}/actions/",
        f"/api/v1/files/{file_id}/",
    ):
        assert client.get(path).status_code == 200, path
    events = _events(abbey)
    assert [(e["action"], e["object_type"], e["object_id"]) for e in events] == [
        ("pupil_viewed", "pupil", pupil),
        ("chronology_viewed", "pupil", pupil),
        ("incident_viewed", "incident", incident.pk),
        ("incident_viewed", "incident", incident.pk),
        ("file_downloaded", "file", file_id),
    ]
    assert {e["pupil_id"] for e in events} == {pupil}
    assert {e["actor_id"] for e in events} == {people["dsl"].pk}
    _assert_no_child_content(events)


def test_a_read_that_is_not_found_records_nothing(abbey, people, incident):
    with abbey:
        file_id = incident.attachments.get().pk
        elsewhere = PupilFactory().pk  # not in the teacher's groups
    teacher = signed_in(abbey, people["teacher"])
    for path in (
        f"/incidents/{incident.pk}/",
        f"/files/{file_id}/",
        f"/pupils/{elsewhere}/",
        "/pupils/999999999/",
        f"/api/v1/incidents/{incident.pk}/",
        f"/api/v1/pupils/{elsewhere}/chronology/",
        f"/api/v1/files/{file_id}/",
    ):
        assert teacher.get(path).status_code == 404, path
    assert _events(abbey) == []


def test_a_dsl_change_to_an_incident_is_recorded_with_codes_not_the_reason(abbey, people, incident):
    client = signed_in(abbey, people["dsl"])
    response = client.post(
        f"/incidents/{incident.pk}/change/",
        {"change": "status", "status": "closed", "reason": "Amara moved school"},
    )
    assert response.status_code == 302
    [event] = _events(abbey)
    assert event["action"] == "incident_changed"
    assert (event["object_id"], event["pupil_id"]) == (incident.pk, people["pupil"].pk)
    assert event["actor_id"] == people["dsl"].pk and event["ip"] == "127.0.0.1"
    assert '"change":"status"' in event["detail"]
    assert '"from":"active"' in event["detail"] and '"to":"closed"' in event["detail"]
    _assert_no_child_content([event])


def test_a_refused_change_records_nothing(abbey, people, incident):
    client = signed_in(abbey, people["dsl"])
    client.post(f"/incidents/{incident.pk}/change/", {"change": "status", "status": "active"})
    assert _events(abbey) == []


def test_a_category_permission_change_is_recorded(abbey, people):
    with abbey:
        role = Role.objects.get(name="SLT")
        category = Category.objects.get(name="Child Protection")
        set_category_level(role=role, category=category, level="read", actor=people["dsl"])
        set_category_level(role=role, category=category, level="none", actor=people["dsl"])
    first, second = _events(abbey)
    assert (first["action"], first["object_type"], first["object_id"]) == (
        "permission_changed",
        "category",
        category.pk,
    )
    assert first["detail"] == f'{{"from":null,"role":{role.pk},"to":"read"}}'
    assert second["detail"] == f'{{"from":"read","role":{role.pk},"to":"none"}}'
    assert second["actor_id"] == people["dsl"].pk
