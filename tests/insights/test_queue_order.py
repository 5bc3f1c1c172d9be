"""The refresh queue takes the schools whose oldest pending change is oldest first, so
under churn no school waits behind others because of its id; and a change row holds no
lock on its school's row (no foreign key constraint in the database)."""

from __future__ import annotations

import datetime
import types

import pytest
from django.db import connection
from django.utils import timezone

from insights import services, tasks
from insights.models import Change


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    schemas: list[str] = []

    def send(*args, headers=None, **kwargs):
        schemas.append(headers["_schema_name"])
        return types.SimpleNamespace(id="sent")

    monkeypatch.setattr(tasks.refresh_school, "apply_async", send)
    return schemas


def test_the_school_waiting_longest_goes_first_whatever_its_id(abbey, westleigh, sent, monkeypatch):
    Change.objects.all().delete()
    low, high = sorted([abbey, westleigh], key=lambda school: school.pk)
    now = timezone.now()
    # The low-id school changes all the time; the high-id one changed once, long ago.
    Change.objects.create(school=high, changed_at=now - datetime.timedelta(minutes=10))
    for minutes in range(5):
        Change.objects.create(school=low, changed_at=now - datetime.timedelta(minutes=minutes))
    monkeypatch.setattr(services, "QUEUE_BATCH", 1)
    assert services.queue_refreshes(now=now) == [high]
    assert services.queue_refreshes(now=now) == [low]
    assert sent == [high.schema_name, low.schema_name]


def test_changes_of_a_school_that_no_longer_exists_are_dropped(abbey, sent):
    Change.objects.all().delete()
    Change.objects.create(
        school_id=999_999, changed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    Change.objects.create(school=abbey)
    assert services.queue_refreshes() == [abbey]
    assert not Change.objects.filter(school_id=999_999).exists()


def test_no_foreign_key_ties_a_change_or_refresh_to_the_school_row(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid IN ('public.insights_change'::regclass, "
            "'public.insights_refresh'::regclass)"
        )
        assert cursor.fetchall() == []
