"""The DSL desk: who is on duty, what waits for a DSL, new incidents to triage, overdue
actions, and emails that could not be delivered, which a DSL can send again."""

from __future__ import annotations

import datetime
import socket

import pytest
from django.core import mail
from django.utils import timezone

from safeguarding.alerts.models import DutySlot, Notification
from safeguarding.concerns.models import Action
from safeguarding.concerns.services import add_action, record_incident
from tenants import outbox
from tenants.models import OutboxMessage
from tests.safeguarding.alerts.helpers import category
from tests.sessions import signed_in, verified_viewer


def _record(school, label="Behaviour: Negative behaviour"):
    return record_incident(
        viewer=verified_viewer(school["recorder"]),
        pupil_id=school["pupil"].pk,
        text="Pushed another child in the line.",
        category_ids=[category(label).pk],
        occurred_at=timezone.now() - datetime.timedelta(minutes=5),
    )


def test_only_dsls_have_a_desk(westleigh, school):
    assert signed_in(westleigh, school["slt"]).get("/dsl/").status_code == 404
    assert signed_in(westleigh, school["class_teacher"]).get("/dsl/").status_code == 404
    page = signed_in(westleigh, school["dsl"]).get("/dsl/")
    assert page.status_code == 200
    assert b"DSL desk" in page.content
    assert b'href="/subject-access-requests/"' in page.content


def test_the_desk_shows_who_is_on_duty_and_says_so_out_of_hours(westleigh, school):
    client = signed_in(westleigh, school["dsl"])
    assert "Out of hours, or no one is on the rota now" in client.get("/dsl/").content.decode()
    with westleigh:
        DutySlot.objects.bulk_create(
            DutySlot(weekday=day, starts=datetime.time(0), ends=datetime.time(23, 59, 59, 999999),
                     user=school["dsl"], position=1)
            for day in range(7)
        )  # fmt: skip
    assert "<strong>Dee Lead</strong>" in client.get("/dsl/").content.decode()


def test_a_new_incident_waits_in_triage_until_someone_acts_on_it(westleigh, school):
    with westleigh:
        incident = _record(school)
    client = signed_in(westleigh, school["dsl"])
    page = client.get("/dsl/").content.decode()
    assert f"/incidents/{incident.pk}/actions/new/?kind=forwarded" in page
    form = client.get(f"/incidents/{incident.pk}/actions/new/?kind=forwarded").content.decode()
    assert '<option value="forwarded" selected>' in form
    with westleigh:
        add_action(viewer=verified_viewer(school["dsl"]), incident_id=incident.pk,
                   kind="forwarded", text="Please speak to the family.",
                   assignee_id=school["pastoral"].pk)  # fmt: skip
    assert f"/incidents/{incident.pk}/actions/new/" not in client.get("/dsl/").content.decode()


def test_overdue_actions_are_listed_for_the_dsl(westleigh, school):
    with westleigh:
        incident = _record(school)
        due, overdue = (_action(incident, school, days_ago) for days_ago in (0, 2))
    page = signed_in(westleigh, school["dsl"]).get("/dsl/").content.decode()
    assert f"#action-{overdue.pk}" in page
    assert f"#action-{due.pk}" not in page


def _action(incident, school, days_ago: int) -> Action:
    """An action due some days ago, as if added then (the form refuses a past due date)."""
    return Action.objects.create(
        incident=incident,
        kind="note",
        text="Check in with the pupil.",
        occurred_at=timezone.now(),
        recorded_by=school["dsl"],
        assignee=school["pastoral"],
        due_date=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def mail_server_down(settings):
    """The SMTP backend, pointed at a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    return settings


def test_an_email_the_mail_server_refuses_is_retried_then_shown_to_the_dsl_and_sent_again(
    westleigh, school, mail_server_down
):
    with westleigh:
        incident = _record(school)
        notification = Notification.objects.get(incident=incident, user=school["class_teacher"])
    message = OutboxMessage.objects.get(kind="notification_email", reference=notification.pk)
    outcomes = []
    for _ in range(outbox.MAX_ATTEMPTS):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        outcomes.append(outbox.deliver_message(message.pk))
    assert outcomes[:-1] == [outbox.Outcome.RETRY_LATER] * (outbox.MAX_ATTEMPTS - 1)
    assert outcomes[-1] == outbox.Outcome.FAILED
    message.refresh_from_db()
    assert message.failed_at is not None and message.last_error == "ConnectionRefusedError"

    client = signed_in(westleigh, school["dsl"])
    page = client.get("/dsl/").content.decode()
    assert "Emails that could not be delivered" in page and "Colin Class" in page
    assert "Every email has been delivered." not in page
    assert "Zephyrine" not in page.split("Emails that could not be delivered")[1]

    mail_server_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(f"/dsl/deliveries/{message.pk}/retry/")
    assert response.status_code == 302
    outbox.wait_for_publishing()
    assert outbox.deliver_message(message.pk) in (
        outbox.Outcome.DELIVERED,
        outbox.Outcome.ALREADY_DONE,  # the queued task got there first
    )
    message.refresh_from_db()
    assert message.delivered_at is not None and message.failed_at is None
    assert [m.to for m in mail.outbox] == [[school["class_teacher"].email]]
    assert "Every email has been delivered." in client.get("/dsl/").content.decode()


def test_retrying_is_for_dsls_and_for_failed_messages_of_their_own_school(westleigh, abbey, school):
    with westleigh:
        incident = _record(school)
        notification = Notification.objects.filter(incident=incident).first()
    message = OutboxMessage.objects.get(kind="notification_email", reference=notification.pk)
    dsl = signed_in(westleigh, school["dsl"])
    assert dsl.post(f"/dsl/deliveries/{message.pk}/retry/").status_code == 404  # not failed
    OutboxMessage.objects.filter(pk=message.pk).update(failed_at=timezone.now(), attempts=8)
    assert (
        signed_in(westleigh, school["slt"]).post(f"/dsl/deliveries/{message.pk}/retry/").status_code
        == 404
    )
    assert dsl.get(f"/dsl/deliveries/{message.pk}/retry/").status_code == 405
    from tests.factories import StaffFactory

    with abbey:
        abbey_dsl = StaffFactory(role="Safeguarding team")
    assert (
        signed_in(abbey, abbey_dsl).post(f"/dsl/deliveries/{message.pk}/retry/").status_code == 404
    )
    message.refresh_from_db()
    assert message.failed_at is not None
