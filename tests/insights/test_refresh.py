"""A changed school's facts are refreshed by a task in its own schema, queued by a beat job
in the public schema; the refresh leaves exactly what a rebuild from the records gives."""

from __future__ import annotations

import datetime
import types

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from haven.celery import app
from insights import services, tasks
from insights.models import CategoryMonth, Change, Refresh, RollMonth
from insights.scheduler import Scheduler
from tests.insights.school_records import action, at, category, category_rows, incident, roll_rows


def as_a_new_transaction() -> None:
    """The test runs in one transaction; let the next change be noted as a new one's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('haven.insights_changed', '', true)")


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The schemas refresh tasks were sent to (Redis is left alone)."""
    schemas: list[str] = []

    def send(*args, headers=None, **kwargs):
        schemas.append(headers["_schema_name"])
        return types.SimpleNamespace(id="sent")

    monkeypatch.setattr(tasks.refresh_school, "apply_async", send)
    return schemas


def test_a_refresh_takes_the_schools_changes_and_its_facts_show_them(abbey):
    from safeguarding.concerns.services import record_incident
    from tests.factories import PupilFactory, StaffFactory
    from tests.sessions import verified_viewer

    services.rebuild(abbey)
    this_month = timezone.localdate().replace(day=1)
    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        as_a_new_transaction()
        record_incident(
            viewer=verified_viewer(dsl), pupil_id=PupilFactory().pk,
            category_ids=[category("radicalisation").pk], text="Synthetic.",
            occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        )  # fmt: skip
    assert (this_month, "radicalisation") not in category_rows(abbey)

    assert services.refresh(abbey) is True

    assert category_rows(abbey)[this_month, "radicalisation"]["incidents"] == 1
    assert not Change.objects.filter(school=abbey).exists()
    assert Refresh.objects.get(school=abbey).refreshed_at is not None
    assert services.refresh(abbey) is False  # nothing pending: nothing computed


def test_a_rebuild_gives_exactly_the_rows_the_refreshes_left(abbey):
    from safeguarding.concerns.services import complete_action, recategorise
    from safeguarding.people.models import Pupil
    from tests.factories import PupilFactory, StaffFactory
    from tests.sessions import verified_viewer

    services.rebuild(abbey)
    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        viewer = verified_viewer(dsl)
        pupils = [PupilFactory(admission_date=datetime.date(2023, 9, 4)) for _ in range(3)]
        bullying, neglect = category("bullying"), category("neglect")
    steps = [
        lambda: incident(pupils[0], [bullying], occurred=at(2024, 2, 3), by=dsl),
        lambda: incident(pupils[1], [bullying, neglect], occurred=at(2024, 2, 9), by=dsl),
        lambda: action(
            first(),
            by=dsl,
            recorded=timezone.now(),
            assignee=dsl,
            due=timezone.localdate() + datetime.timedelta(days=3),
        ),
        lambda: complete_action(viewer=viewer, action_id=first().actions.get().pk),
        lambda: recategorise(viewer=viewer, incident_id=first().pk, category_ids=[neglect.pk]),
        lambda: Pupil.objects.filter(pk=pupils[2].pk).update(
            leaving_date=datetime.date(2024, 3, 1)
        ),
    ]

    def first():
        from safeguarding.concerns.models import Incident

        return Incident.objects.filter(pupil=pupils[0]).get()

    seen = []
    for step in steps:
        with abbey:
            as_a_new_transaction()
            step()
        assert services.refresh(abbey) is True
        seen.append(category_rows(abbey))
    refreshed, refreshed_roll = category_rows(abbey), roll_rows(abbey)
    assert seen[0] != seen[1] != seen[2]  # each refresh moved the facts

    CategoryMonth.objects.filter(school=abbey).delete()
    RollMonth.objects.filter(school=abbey).delete()
    services.rebuild(abbey)

    assert category_rows(abbey) == refreshed and roll_rows(abbey) == refreshed_roll
    assert refreshed[datetime.date(2024, 2, 1), "neglect"]["incidents"] == 2


def test_the_beat_job_queues_each_changed_school_once_in_its_own_schema(abbey, westleigh, sent):
    Change.objects.all().delete()
    Change.objects.create(school=abbey)
    Change.objects.create(school=abbey)

    assert tasks.queue_refreshes.run() == 1
    assert sent == ["abbey"]
    # Queued and not yet run: not queued again...
    assert tasks.queue_refreshes.run() == 0
    # ...unless it was lost: after REQUEUE_AFTER it is queued again.
    later = timezone.now() + services.REQUEUE_AFTER + datetime.timedelta(seconds=1)
    assert [school.slug for school in services.queue_refreshes(now=later)] == ["abbey"]
    assert sent == ["abbey", "abbey"]


def test_the_refresh_task_runs_in_its_school_and_clears_the_queue(abbey, sent):
    Change.objects.all().delete()
    Change.objects.create(school=abbey)
    tasks.queue_refreshes.run()

    with abbey:
        assert tasks.refresh_school.run() is True
        assert tasks.refresh_school.run() is False

    assert not Change.objects.filter(school=abbey).exists()
    assert Refresh.objects.get(school=abbey).queued_at is None


def test_the_refresh_task_refuses_to_run_without_a_school(db):
    with schema_context("public"), pytest.raises(tasks.NoSchool):
        tasks.refresh_school.run()


def test_the_nightly_job_marks_every_real_school_changed(abbey, westleigh):
    Change.objects.all().delete()

    assert tasks.mark_all_changed.run() >= 2

    changed = set(Change.objects.values_list("school__slug", flat=True))
    assert {"abbey", "westleigh"} <= changed


def test_beat_sends_the_refresh_job_once_to_the_public_schema(abbey, monkeypatch):
    scheduler = Scheduler(app=app, lazy=True)
    entries = {
        options["task"]: scheduler.Entry(name=name, app=app, **options)
        for name, options in scheduler._tenant_aware_beat_schedule_to_dict(
            settings.CELERY_BEAT_SCHEDULE
        ).items()
    }
    sent_in: list[str] = []

    def send(*args, **kwargs) -> object:
        sent_in.append(connection.schema_name)
        return types.SimpleNamespace(id="sent")

    monkeypatch.setattr(scheduler, "apply_async", send)
    scheduler.apply_entry(entries["insights.queue_refreshes"])
    assert sent_in == ["public"]
    # Entries for every school still go to every school.
    sent_in.clear()
    scheduler.apply_entry(entries["alerts.escalate"])
    assert "abbey" in sent_in and "public" not in sent_in
