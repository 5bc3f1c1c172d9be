"""The inbox: what is listed, marking read, the follow-up rule and the header's count."""

from __future__ import annotations

import datetime
import json

from django.utils import timezone

from safeguarding.access.models import Role
from safeguarding.alerts.models import Notification
from safeguarding.audit.models import AuditEvent
from safeguarding.concerns.services import add_action, complete_action, record_incident
from tests.safeguarding.alerts.helpers import category
from tests.sessions import signed_in, verified_viewer


def _record(school, *, by="recorder", label="Behaviour: Negative behaviour"):
    return record_incident(
        viewer=verified_viewer(school[by]),
        pupil_id=school["pupil"].pk,
        text="Pushed another child in the line.",
        category_ids=[category(label).pk],
        occurred_at=timezone.now() - datetime.timedelta(minutes=5),
    )


def test_the_inbox_lists_alerts_and_marks_one_read_with_the_time(westleigh, school):
    with westleigh:
        incident = _record(school)
        notification = Notification.objects.get(incident=incident, user=school["class_teacher"])
    client = signed_in(westleigh, school["class_teacher"])
    page = client.get("/inbox/").content.decode()
    assert f"/incidents/{incident.pk}/" in page
    assert "Zephyrine Quarrington" in page
    assert "Mark as read" in page

    before = timezone.now()
    response = client.post(f"/inbox/{notification.pk}/read/")
    assert response.status_code == 302
    with westleigh:
        notification.refresh_from_db()
    assert before <= notification.read_at <= timezone.now()
    page = client.get("/inbox/").content.decode()
    assert "You have no alerts waiting." in page
    assert "Read recently" in page
    with westleigh:
        (event,) = AuditEvent.objects.filter(action="notification_read")
    assert (event.actor_id, event.object_id) == (school["class_teacher"].pk, notification.pk)
    assert json.loads(event.detail) == {"incident_id": incident.pk}
    client.post(f"/inbox/{notification.pk}/read/")  # a second mark changes nothing
    with westleigh:
        assert AuditEvent.objects.filter(action="notification_read").count() == 1


def test_marking_read_needs_a_post(westleigh, school):
    with westleigh:
        notification = Notification.objects.filter(incident=_record(school)).first()
    client = signed_in(westleigh, notification.user)
    assert client.get(f"/inbox/{notification.pk}/read/").status_code == 405


def test_nobody_marks_someone_elses_alert_read(westleigh, school):
    with westleigh:
        notification = Notification.objects.get(
            incident=_record(school), user=school["class_teacher"]
        )
    client = signed_in(westleigh, school["slt"])
    assert client.post(f"/inbox/{notification.pk}/read/").status_code == 404
    with westleigh:
        notification.refresh_from_db()
    assert notification.read_at is None


def test_an_alert_with_a_follow_up_still_to_do_stays_in_the_inbox_after_reading(westleigh, school):
    with westleigh:
        incident = _record(school)
        action = add_action(
            viewer=verified_viewer(school["dsl"]),
            incident_id=incident.pk,
            kind="note",
            text="Please speak to the parent at pick-up.",
            assignee_id=school["class_teacher"].pk,
            due_date=timezone.localdate(),
        )
    client = signed_in(westleigh, school["class_teacher"])
    with westleigh:
        for notification in Notification.objects.filter(user=school["class_teacher"]):
            client.post(f"/inbox/{notification.pk}/read/")
    page = client.get("/inbox/").content.decode()
    assert "You have no alerts waiting." not in page
    assert "Still needs your follow-up" in page

    with westleigh:
        complete_action(viewer=verified_viewer(school["class_teacher"]), action_id=action.pk)
    page = client.get("/inbox/").content.decode()
    assert "You have no alerts waiting." in page
    assert "Still needs your follow-up" not in page


def test_the_header_shows_the_unread_count_on_every_page(westleigh, school):
    with westleigh:
        _record(school)
        _record(school, label="Attendance")
    client = signed_in(westleigh, school["class_teacher"])
    for path in ("/", "/incidents/new/", "/inbox/"):
        page = client.get(path).content.decode()
        assert '>Inbox<span class="visually-hidden">, 2 unread</span>' in page, path


def test_an_empty_inbox_says_so(westleigh, school):
    page = signed_in(westleigh, school["other_teacher"]).get("/inbox/").content.decode()
    assert "You have no alerts waiting." in page
    assert "unread</span>" not in page


def test_an_alert_for_an_incident_the_viewer_can_no_longer_see_shows_nothing_of_it(
    westleigh, school
):
    """SLT read an ordinary incident through their role, so their alert granted nothing;
    moved to a teacher's role, they may no longer read it, and the inbox shows none of it."""
    with westleigh:
        incident = _record(school)
        profile = school["slt"].staff_profile
        profile.role = Role.objects.get(name="Teachers")
        profile.save()
    page = signed_in(westleigh, school["slt"]).get("/inbox/").content.decode()
    assert "An incident you can no longer see" in page
    assert "Zephyrine" not in page
    assert "Negative behaviour" not in page
    assert f"/incidents/{incident.pk}/" not in page


def test_a_teachers_inbox_never_shows_a_restricted_incident(westleigh, school):
    with westleigh:
        incident = _record(school, by="dsl", label="Safeguarding: CP plan")
        # As if someone had slipped a notification through without the grant.
        Notification.objects.create(
            user=school["class_teacher"], incident=incident, reason="rule",
            created_by=school["dsl"],
        )  # fmt: skip
    page = signed_in(westleigh, school["class_teacher"]).get("/inbox/").content.decode()
    assert "An incident you can no longer see" in page
    assert "Zephyrine" not in page
    assert "CP plan" not in page
    assert f"/incidents/{incident.pk}/" not in page
