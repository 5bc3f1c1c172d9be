"""The alert email: who created it and the category, a link, and nothing about the child."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from safeguarding.alerts.delivery import email_notification
from safeguarding.alerts.models import Notification
from safeguarding.concerns.services import record_incident
from tests.safeguarding.alerts.helpers import category
from tests.sessions import verified_viewer

TEXT = "Zephyrine said her uncle hurts her when she stays at his flat."


@pytest.fixture
def notification(school, westleigh, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with westleigh:
        incident = record_incident(
            viewer=verified_viewer(school["dsl"]),
            pupil_id=school["pupil"].pk,
            text=TEXT,
            category_ids=[category("Safeguarding: CP plan").pk],
            occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        )
        yield Notification.objects.get(incident=incident, user=school["slt"])


def test_the_email_names_the_creator_and_category_and_nothing_about_the_child(
    westleigh, notification
):
    with westleigh:
        email_notification(notification.pk)
    [email] = mail.outbox
    everything = f"{email.subject}\n{email.body}"
    assert email.to == [notification.user.email]
    assert "Dee Lead" in everything
    assert "Safeguarding: CP plan" in everything
    assert f"http://westleigh.localhost:8000/incidents/{notification.incident_id}/" in email.body
    for secret in ("Zephyrine", "Quarrington", "ZQ", "uncle", "flat", TEXT):
        assert secret not in everything, secret
    assert not email.attachments


def test_the_email_is_sent_once_however_often_it_is_asked_for(westleigh, notification):
    with westleigh:
        email_notification(notification.pk)
        email_notification(notification.pk)
        notification.refresh_from_db()
    assert len(mail.outbox) == 1
    assert notification.emailed_at is not None


def test_a_failure_to_send_raises_and_is_not_recorded_as_sent(westleigh, notification, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with westleigh, pytest.raises(smtplib.SMTPException):
        email_notification(notification.pk)
    with westleigh:
        notification.refresh_from_db()
    assert notification.emailed_at is None
