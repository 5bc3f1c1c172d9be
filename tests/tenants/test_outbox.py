"""The outbox delivers what a school's transaction asked for exactly once, through Redis and
a real worker, or later through the sweep when Redis was down; a failing handler is retried
and then shown as failed. These need real commits, so they run outside the test transaction
on the committed demo school and clean up their own messages."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from tenant_schemas_celery.scheduler import TenantAwareScheduler

from haven.celery import app
from tenants import outbox
from tenants.models import OutboxMessage, School
from tenants.outbox import Outcome, deliver_message, enqueue, failed_messages
from tenants.tasks import sweep
from tests.databases import url_of_test_database

ROOT = Path(__file__).resolve().parents[2]
KIND = "test_ping"
CALLS: list[tuple[str, int]] = []
FAILING: set[int] = set()
_calls_lock = threading.Lock()


class DeliveryRefused(Exception):
    pass


class Abandoned(Exception):
    pass


def record_call(reference: int) -> None:
    """The test kind's handler: notes the schema it ran in, and fails for FAILING ones with
    a message that stands for content, which must never reach the outbox or the log."""
    with _calls_lock:
        CALLS.append((connection.schema_name, reference))
    if reference in FAILING:
        raise DeliveryRefused("Jane Doe, Year 4: the text of the incident")


@app.task(name="tests.outbox.close_connections")
def close_connections(key: str) -> None:
    """Queued last, so it runs after every delivery before it: the worker thread's
    connection must not outlive the test."""
    connections.close_all()
    redis.Redis.from_url(settings.CONFIG.redis_url).set(key, "done", ex=60)


@pytest.fixture
def abbey_committed(django_db_setup, django_db_blocker, monkeypatch) -> Iterator[School]:
    """The demo school, outside any test transaction; the test kind registered."""
    monkeypatch.setitem(outbox.HANDLERS, KIND, f"{__name__}.record_call")
    CALLS.clear()
    FAILING.clear()
    with django_db_blocker.unblock():
        yield School.objects.get(slug="abbey")
        connection.set_schema_to_public()
        OutboxMessage.objects.filter(kind=KIND).delete()


@contextmanager
def running_worker() -> Iterator[None]:
    app.control.purge()  # tasks left in the queue by earlier tests
    # The in-process worker must leave the test run's logging as it found it.
    root_level = logging.getLogger().level
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        try:
            yield
        finally:
            outbox.wait_for_publishing()
            key = f"test:outbox:{uuid.uuid4()}"
            close_connections.apply_async((key,), headers={"_schema_name": "public"})
            store = redis.Redis.from_url(settings.CONFIG.redis_url)
            _wait_for(lambda: store.get(key))
    logging.getLogger().setLevel(root_level)


@contextmanager
def broker_down() -> Iterator[None]:
    """Redis stopped, as the app sees it: its broker is a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    old_url, old_pool = app.conf["broker_url"], app._pool
    app.conf["broker_url"] = f"redis://127.0.0.1:{port}/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf["broker_url"] = old_url
        app._pool = old_pool
        app.amqp._producer_pool = None
        # Redis is back: forget the refusal now rather than PUBLISH_BACKOFF later.
        outbox._REFUSED_AT = None


def _wait_for(condition: Callable[[], object], timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    return condition()


def _delivered(message: OutboxMessage) -> bool:
    return OutboxMessage.objects.filter(pk=message.pk, delivered_at__isnull=False).exists()


def _unlocked(message: OutboxMessage) -> bool:
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message.pk)
        return rows.exists()


def _make_due(message: OutboxMessage) -> None:
    """Move the clock past the message's wait (and the sweep's grace for a new one)."""
    long_ago = timezone.now() - outbox.SWEEP_GRACE * 2
    OutboxMessage.objects.filter(pk=message.pk).update(created=long_ago)
    if message.next_attempt_at is not None:
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=long_ago)


def test_a_rolled_back_transaction_leaves_no_message_and_a_committed_one_is_delivered_once(
    abbey_committed,
):
    with running_worker():
        with pytest.raises(Abandoned), abbey_committed, transaction.atomic():
            enqueue(kind=KIND, reference=1)
            raise Abandoned
        assert not OutboxMessage.objects.filter(kind=KIND).exists()

        with abbey_committed, transaction.atomic():
            message = enqueue(kind=KIND, reference=2)
        assert _wait_for(lambda: _delivered(message))
        # The same task again, as after a worker died before acknowledging it.
        outbox._queue(message.pk)
    assert CALLS == [("abbey", 2)]
    message.refresh_from_db()
    assert message.attempts == 0 and message.last_error == ""


def test_with_redis_down_the_submit_commits_and_the_sweep_delivers_it_exactly_once(
    abbey_committed, caplog
):
    with broker_down(), caplog.at_level(logging.WARNING, logger="tenants.outbox"):
        started = time.monotonic()
        with abbey_committed, transaction.atomic():
            message = enqueue(kind=KIND, reference=3)
        assert time.monotonic() - started < 1  # the publish is the publisher thread's
        outbox.wait_for_publishing()
    message.refresh_from_db()
    assert message.delivered_at is None and message.failed_at is None
    assert f"Outbox message {message.pk} was not queued" in caplog.text

    with running_worker():
        with abbey_committed:
            assert sweep() == 0  # its own task may still be on its way
        _make_due(message)
        with abbey_committed:
            assert sweep() == 1  # as beat runs it, in the school's schema
            assert sweep() == 1  # a second sweep before the worker got to it
        assert _wait_for(lambda: _delivered(message))
        with abbey_committed:
            assert sweep() == 0
    assert CALLS == [("abbey", 3)]


def test_a_failing_handler_is_retried_with_growing_waits_then_shown_as_failed(
    abbey_committed, caplog
):
    FAILING.add(4)
    with abbey_committed, transaction.atomic():
        message = enqueue(kind=KIND, reference=4)

    for attempt in range(1, outbox.MAX_ATTEMPTS):
        before = timezone.now()
        assert deliver_message(message.pk) == Outcome.RETRY_LATER
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == "DeliveryRefused"
        wait = message.next_attempt_at - before
        assert (
            outbox.retry_wait(attempt)
            <= wait
            < outbox.retry_wait(attempt) + (timezone.now() - before) + timedelta(seconds=1)
        )
        assert deliver_message(message.pk) == Outcome.NOT_DUE
        assert outbox.sweep_due_messages(school=abbey_committed) == 0
        _make_due(message)

    assert deliver_message(message.pk) == Outcome.FAILED
    message.refresh_from_db()
    assert message.attempts == outbox.MAX_ATTEMPTS and message.failed_at is not None
    assert list(failed_messages(abbey_committed)) == [message]
    assert deliver_message(message.pk) == Outcome.ALREADY_DONE
    assert outbox.sweep_due_messages(school=abbey_committed) == 0
    assert CALLS == [("abbey", 4)] * outbox.MAX_ATTEMPTS
    assert [outbox.retry_wait(n).total_seconds() for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600,
    ]  # fmt: skip
    assert "Jane Doe" not in caplog.text and "DeliveryRefused" in caplog.text


def test_delivering_a_message_twice_calls_its_handler_once(abbey_committed):
    with abbey_committed, transaction.atomic():
        message = enqueue(kind=KIND, reference=5)
        assert enqueue(kind=KIND, reference=5) == message  # the same reference is one message

    assert deliver_message(message.pk) == Outcome.DELIVERED
    assert deliver_message(message.pk) == Outcome.ALREADY_DONE
    assert CALLS == [("abbey", 5)]
    assert connection.schema_name == "public"


def test_a_worker_that_dies_mid_delivery_leaves_the_message_for_the_sweep(
    abbey_committed, monkeypatch
):
    """A worker killed while the handler runs commits nothing: the message is still pending,
    so the sweep delivers it again. The handler runs twice here, which is the window the
    module's docstring owns up to; a kill after the commit is the redelivery above."""

    def killed(reference: int) -> None:
        CALLS.append((connection.schema_name, reference))
        raise SystemExit  # as the worker going away mid-task

    monkeypatch.setattr(f"{__name__}.record_call", killed)
    with abbey_committed, transaction.atomic():
        message = enqueue(kind=KIND, reference=9)
    with pytest.raises(SystemExit):
        deliver_message(message.pk)
    assert connection.schema_name == "public"
    message.refresh_from_db()
    assert (message.attempts, message.delivered_at, message.failed_at) == (0, None, None)

    monkeypatch.undo()
    monkeypatch.setitem(outbox.HANDLERS, KIND, f"{__name__}.record_call")
    _make_due(message)
    assert outbox.sweep_due_messages(school=abbey_committed) == 1
    assert deliver_message(message.pk) == Outcome.DELIVERED
    assert CALLS == [("abbey", 9), ("abbey", 9)]


WORKER_SCRIPT = """
import django
django.setup()
from tenants import outbox
outbox.HANDLERS["test_ping"] = "tests.tenants.test_outbox.stall"
from haven.celery import app
app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-mingle",
                 "--without-gossip", "--without-heartbeat"])
"""


def stall(reference: int) -> None:
    """The handler of the worker that gets killed: says it started, then never finishes."""
    redis.Redis.from_url(settings.CONFIG.redis_url).incr(f"test:outbox:stalled:{reference}")
    time.sleep(120)


def test_a_worker_killed_mid_delivery_loses_nothing(abbey_committed):
    store = redis.Redis.from_url(settings.CONFIG.redis_url)
    store.delete("test:outbox:stalled:10")
    app.control.purge()
    with abbey_committed, transaction.atomic():
        message = enqueue(kind=KIND, reference=10)
    environment = {**os.environ, "DATABASE_URL": url_of_test_database(), "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], env=environment, cwd=ROOT)
    try:
        assert _wait_for(lambda: store.get("test:outbox:stalled:10"), timeout=60)
    finally:
        worker.kill()  # SIGKILL, in the middle of the handler
        worker.wait()
    assert _wait_for(lambda: _unlocked(message))  # its database session died with it
    message.refresh_from_db()
    assert (message.attempts, message.delivered_at, message.failed_at) == (0, None, None)

    _make_due(message)
    with running_worker():
        with abbey_committed:
            assert sweep() == 1
        assert _wait_for(lambda: _delivered(message))
    assert CALLS == [("abbey", 10)]
    assert store.get("test:outbox:stalled:10") == b"1"


def test_a_message_another_worker_holds_is_skipped(abbey_committed):
    with abbey_committed, transaction.atomic():
        message = enqueue(kind=KIND, reference=6)
    with psycopg.connect(url_of_test_database()) as other:
        other.execute(
            "SELECT id FROM public.tenants_outboxmessage WHERE id = %s FOR UPDATE", (message.pk,)
        )
        assert deliver_message(message.pk) == Outcome.SKIPPED
    assert CALLS == []
    assert deliver_message(message.pk) == Outcome.DELIVERED


def test_a_handler_that_fails_half_way_leaves_none_of_its_writes(abbey_committed, monkeypatch):
    def write_then_fail(reference: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE half_written (id int)")
        raise DeliveryRefused

    monkeypatch.setattr(f"{__name__}.record_call", write_then_fail)
    with abbey_committed, transaction.atomic():
        message = enqueue(kind=KIND, reference=7)
    assert deliver_message(message.pk) == Outcome.RETRY_LATER
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('abbey.half_written')")
        assert cursor.fetchone() == (None,)


def test_the_outbox_is_written_only_inside_a_school_transaction(abbey_committed):
    with pytest.raises(outbox.NotInSchoolTransaction), transaction.atomic():
        enqueue(kind=KIND, reference=8)  # the public schema
    with pytest.raises(outbox.NotInSchoolTransaction), abbey_committed:
        enqueue(kind=KIND, reference=8)  # no transaction
    with pytest.raises(outbox.UnknownKind), abbey_committed, transaction.atomic():
        enqueue(kind="no_such_kind", reference=8)
    assert not OutboxMessage.objects.filter(kind=KIND).exists()


def test_the_outbox_table_holds_only_ids_codes_times_and_an_error_class(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, column_name, data_type, character_maximum_length"
            " FROM information_schema.columns WHERE table_name = 'tenants_outboxmessage'"
        )
        columns = {(schema, name): (kind, length) for schema, name, kind, length in cursor}
    when = ("timestamp with time zone", None)
    assert columns == {
        ("public", "id"): ("bigint", None),
        ("public", "school_id"): ("bigint", None),
        ("public", "kind"): ("character varying", 40),
        ("public", "reference"): ("bigint", None),
        ("public", "created"): when,
        ("public", "attempts"): ("smallint", None),
        ("public", "next_attempt_at"): when,
        ("public", "delivered_at"): when,
        ("public", "failed_at"): when,
        ("public", "last_error"): ("character varying", 100),
    }


def test_beat_sends_the_sweep_to_every_school(abbey, monkeypatch):
    scheduler = TenantAwareScheduler(app=app, lazy=True)
    (entry,) = [
        scheduler.Entry(name=name, app=app, **options)
        for name, options in scheduler._tenant_aware_beat_schedule_to_dict(
            settings.CELERY_BEAT_SCHEDULE
        ).items()
        if options["task"] == "outbox.sweep"
    ]
    sent_in: list[str] = []

    def send(*args, **kwargs) -> object:
        sent_in.append(connection.schema_name)
        return types.SimpleNamespace(id="sent")

    monkeypatch.setattr(scheduler, "apply_async", send)
    scheduler.apply_entry(entry)
    schools = School.objects.values_list("schema_name", flat=True)
    assert sorted(sent_in) == sorted(schools) and "abbey" in sent_in


def test_after_a_refused_publish_the_next_ones_wait_for_the_sweep_instead_of_redis(
    abbey_committed, caplog
):
    """With Redis down, each publish would wait on the dead broker in turn; after one is
    refused, the rest within PUBLISH_BACKOFF are left to the sweep at once."""
    with broker_down(), caplog.at_level(logging.WARNING, logger="tenants.outbox"):
        started = time.monotonic()
        for reference in (11, 12, 13):
            with abbey_committed, transaction.atomic():
                enqueue(kind=KIND, reference=reference)
        outbox.wait_for_publishing()
        refused = time.monotonic() - started
    assert caplog.text.count("Redis refused a publish moments ago") == 2
    assert refused < 3  # one wait on the dead broker, not three
