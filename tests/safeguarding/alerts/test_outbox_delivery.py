"""With the platform's real outbox: each notification's email is queued in the incident's
own transaction, and delivering it sends the email once."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from safeguarding.alerts.models import Notification
from safeguarding.concerns.services import record_incident
from tenants import outbox
from tests.safeguarding.alerts.helpers import category
from tests.sessions import verified_viewer


@pytest.fixture
def real_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_each_notification_is_queued_and_delivered_once(westleigh, school, real_outbox):
    from tenants.models import OutboxMessage

    with westleigh:
        incident = record_incident(
            viewer=verified_viewer(school["recorder"]),
            pupil_id=school["pupil"].pk,
            text="Pushed another child in the line.",
            category_ids=[category("Behaviour").pk],
            occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        )
        notifications = set(
            Notification.objects.filter(incident=incident).values_list("pk", flat=True)
        )
    messages = OutboxMessage.objects.filter(school=westleigh, kind="notification_email")
    assert set(messages.values_list("reference", flat=True)) == notifications

    for message in messages:
        outbox.deliver_message(message.pk)
        outbox.deliver_message(message.pk)
    assert len(mail.outbox) == len(notifications) == 3
    with westleigh:
        assert not Notification.objects.filter(incident=incident, emailed_at=None).exists()
