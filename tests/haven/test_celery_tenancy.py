"""Tasks run in the schema they were sent from, through a real worker and Redis broker."""

from __future__ import annotations

import time
import uuid

import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection, connections

from haven.celery import app


@app.task(name="tests.record_schema")
def record_schema(key: str) -> None:
    try:
        redis.Redis.from_url(settings.CONFIG.redis_url).set(key, connection.schema_name, ex=60)
    finally:
        connections.close_all()  # the worker thread's connection must not outlive the test


def _wait_for(keys: list[str], timeout: float = 20) -> list[str | None]:
    store = redis.Redis.from_url(settings.CONFIG.redis_url, decode_responses=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        values = [store.get(key) for key in keys]
        if all(values):
            return values
        time.sleep(0.1)
    return [store.get(key) for key in keys]


def test_a_task_runs_in_the_schema_of_the_school_that_sent_it(abbey, westleigh):
    keys = [f"test:schema:{uuid.uuid4()}" for _ in range(3)]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        with westleigh:
            record_schema.delay(keys[0])
        with abbey:
            record_schema.delay(keys[1])
        record_schema.delay(keys[2])
        seen = _wait_for(keys)
    assert seen == ["westleigh", "abbey", "public"]
