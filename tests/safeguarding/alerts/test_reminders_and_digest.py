"""Overdue actions remind their assignee, then the DSLs, once each; a daily digest says
how many alerts are unread, and nothing about them."""

from __future__ import annotations

import datetime

from django.core import mail
from django.utils import timezone

from safeguarding.alerts import services
from safeguarding.alerts.delivery import email_digest
from safeguarding.alerts.models import Digest, Notification
from safeguarding.concerns.models import Action
from safeguarding.concerns.services import add_action, complete_action, record_incident
from safeguarding.people.models import StaffProfile
from tenants.models import OutboxMessage
from tests.safeguarding.alerts.helpers import category
from tests.sessions import signed_in, verified_viewer


def _action_due_today(school):
    incident = record_incident(
        viewer=verified_viewer(school["recorder"]),
        pupil_id=school["pupil"].pk,
        text="Pushed another child in the line.",
        category_ids=[category("Behaviour: Negative behaviour").pk],
        occurred_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    action = add_action(viewer=verified_viewer(school["dsl"]), incident_id=incident.pk,
                        kind="note", text="Call home.", assignee_id=school["pastoral"].pk,
                        due_date=timezone.localdate())  # fmt: skip
    return action


def _days_later(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def _reminded(action) -> list[str]:
    return sorted(
        Notification.objects.filter(action=action, reason="reminder").values_list(
            "user__full_name", flat=True
        )
    )


def test_an_overdue_action_reminds_its_assignee_once_then_the_dsls_a_day_later(westleigh, school):
    with westleigh:
        action = _action_due_today(school)
        overdue = _action(action.incident, school, days_ago=3)
        assert services.remind_overdue() == 1
        assert _reminded(overdue) == ["Pat Pastoral"]
        assert _reminded(action) == []  # due today is not overdue yet
        services.remind_overdue(now=_days_later(23 / 24))
        assert _reminded(overdue) == ["Pat Pastoral"]
        services.remind_overdue(now=_days_later(25 / 24))
        reminded = _reminded(overdue)
        assert "Dee Lead" in reminded and reminded.count("Pat Pastoral") == 1
        assert len(reminded) == 1 + len(_dsls())
        services.remind_overdue(now=_days_later(3))
        assert _reminded(overdue) == reminded  # the DSLs once
        reminders = Notification.objects.filter(action=overdue, reason="reminder")
        emails = OutboxMessage.objects.filter(
            kind="notification_email", reference__in=reminders.values("pk")
        )
        assert emails.count() == len(reminded)


def _dsls():
    return StaffProfile.objects.filter(role__level="full_admin", user__is_active=True)


def _action(incident, school, *, days_ago: int) -> Action:
    """An action due some days ago, as if added then (the form refuses a past due date)."""
    return Action.objects.create(
        incident=incident,
        kind="note",
        text="Call home.",
        occurred_at=timezone.now(),
        recorded_by=school["dsl"],
        assignee=school["pastoral"],
        due_date=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


def test_a_completed_action_reminds_no_one(westleigh, school):
    with westleigh:
        action = _action_due_today(school)
        complete_action(viewer=verified_viewer(school["pastoral"]), action_id=action.pk)
        assert services.remind_overdue(now=_days_later(3)) == 0
        assert _reminded(action) == []


def test_the_reminder_email_says_the_action_is_overdue_and_nothing_about_the_child(
    westleigh, school, settings
):
    from safeguarding.alerts.delivery import email_notification

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with westleigh:
        action = _action(_action_due_today(school).incident, school, days_ago=2)
        services.remind_overdue()
        reminder = Notification.objects.get(action=action, reason="reminder")
        email_notification(reminder.pk)
    (sent,) = mail.outbox
    assert sent.subject.startswith("Haven reminder:")
    assert "past its due date" in sent.body
    for secret in ("Zephyrine", "Quarrington", "Call home", "Pushed"):
        assert secret not in sent.subject + sent.body


def test_a_digest_is_sent_once_a_day_to_those_who_asked_with_counts_only(
    westleigh, school, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = signed_in(westleigh, school["class_teacher"])
    client.post("/inbox/digest/", {"daily_digest": "on"})
    with westleigh:
        _action_due_today(school)  # alerts the class teacher, among others
        assert services.send_digests() == 1
        assert services.send_digests() == 0  # the same day again
        digest = Digest.objects.get(user=school["class_teacher"])
        assert digest.unread >= 1
        message = OutboxMessage.objects.get(kind="alert_digest", reference=digest.pk)
        email_digest(digest.pk)
        email_digest(digest.pk)  # delivered twice by the outbox: sent once
    (sent,) = mail.outbox
    assert sent.to == [school["class_teacher"].email]
    assert f"{digest.unread} alert" in sent.body
    for secret in ("Zephyrine", "Quarrington", "Call home", "Pushed", "Behaviour"):
        assert secret not in sent.subject + sent.body
    assert message.school == westleigh


def test_the_digest_can_be_turned_off_and_nobody_gets_one_unasked(westleigh, school):
    client = signed_in(westleigh, school["class_teacher"])
    client.post("/inbox/digest/", {"daily_digest": "on"})
    assert b'name="daily_digest" checked' in client.get("/inbox/").content
    client.post("/inbox/digest/", {})
    assert b'name="daily_digest" checked' not in client.get("/inbox/").content
    with westleigh:
        _action_due_today(school)
        assert services.send_digests() == 0
