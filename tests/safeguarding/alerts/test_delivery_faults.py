"""Redis stopped while a teacher submits incidents: every submission succeeds, and once
Redis is back every alert's email is delivered exactly once, by a real worker."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from safeguarding.alerts.models import Notification
from safeguarding.concerns.services import record_incident
from tenants import outbox
from tenants.models import OutboxMessage
from tests.browser import committed_school
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.safeguarding.alerts.helpers import category
from tests.sessions import verified_viewer
from tests.tenants.test_outbox import _wait_for, broker_down, running_worker

SUBMISSIONS = 5


# Says it uses the database so that pytest-django makes the test database when run alone.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def faults_school(django_db_setup, django_db_blocker):
    """Committed: the worker delivers on its own connection."""

    def fill(school):
        form = GroupFactory(kind="form")
        StaffFactory(groups=[form], full_name="Colin Class")
        StaffFactory(role="SLT")
        return StaffFactory(groups=[form]), PupilFactory(form=form)

    with committed_school(django_db_blocker, slug="faults", name="Faults High",
                          fill=fill) as made:  # fmt: skip
        yield made


def test_with_redis_down_submissions_succeed_and_every_alert_is_emailed_once_after(
    faults_school, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    school, (teacher, pupil) = faults_school
    counts = _on_own_connection(lambda: _submit_then_deliver(school, teacher, pupil))
    assert counts["notifications"] >= 2 * SUBMISSIONS
    assert counts["delivered_while_down"] == 0
    assert counts["swept"] == [counts["notifications"]] * 2
    assert counts["emailed"] == counts["notifications"]
    assert len(mail.outbox) == counts["notifications"]  # twice swept, each sent once


def _submit_then_deliver(school, teacher, pupil) -> dict:
    with broker_down():
        with school:
            incidents = [
                record_incident(
                    viewer=verified_viewer(teacher),
                    pupil_id=pupil.pk,
                    text="Said she had not eaten since yesterday.",
                    category_ids=[category("Attendance").pk],
                    occurred_at=timezone.now() - datetime.timedelta(minutes=5),
                )
                for _ in range(SUBMISSIONS)
            ]
        outbox.wait_for_publishing()  # every publish tried, and failed, with Redis down
    with school:
        notifications = set(
            Notification.objects.filter(incident__in=incidents).values_list("pk", flat=True)
        )
    messages = OutboxMessage.objects.filter(school=school, reference__in=notifications)
    delivered_while_down = messages.filter(delivered_at__isnull=False).count()
    # As if the sweep's grace had passed: the tasks lost with Redis are due again.
    messages.update(created=timezone.now() - 2 * outbox.SWEEP_GRACE)
    with running_worker():
        with school:
            swept = [outbox.sweep_due_messages(school=school) for _ in range(2)]
        _wait_for(lambda: not messages.filter(delivered_at__isnull=True).exists())
    with school:
        emailed = Notification.objects.filter(pk__in=notifications, emailed_at__isnull=False)
        return {
            "notifications": len(notifications),
            "delivered_while_down": delivered_while_down,
            "swept": swept,
            "emailed": emailed.count(),
        }


def _on_own_connection(work):
    """Run `work` on a thread of its own, whose connection commits as the app's does (the
    test's own connection is inside a transaction the worker could not see into)."""
    result, failure = [], []

    def run():
        try:
            result.append(work())
        except BaseException as error:  # handed back to the test
            failure.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
