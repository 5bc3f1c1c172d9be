"""Alerts with a real Celery worker: the time from an incident's commit to its notification
rows and to its emails handed to the mail backend, and how fast the outbox drains the
backlog a Redis outage leaves behind.

    python bench/alerts.py [--incidents 200] [--outage 500] [--interval 0.2]

Runs on a throwaway database (DATABASE_URL's server, or embedded PostgreSQL) with a Celery
worker started as `haven up` starts it. REDIS_URL should name a Redis database of its own:
the run empties its Celery queue first. Incidents are recorded in this process through
`record_incident`, one every --interval seconds (a pace, not a flood: the drain measures the
worker flat out). The outage is the app's broker pointed at a port where nothing listens, as
the outbox tests do it. Emails go to files under HAVEN_VAR_DIR/mail (counted, then removed),
and "handed to the backend" is the notification's `emailed_at`, set as soon as the backend
took the message. Prints medians, p95s and rates measured in this one run.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User
    from tenants.models import School

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import median, percentile, throwaway_database  # noqa: E402

WARM_UP = 10  # incidents recorded and delivered before anything is timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200, help="incidents timed (200)")
    parser.add_argument("--outage", type=int, default=500, help="incidents during the outage")
    parser.add_argument(
        "--interval", type=float, default=0.2, help="seconds between timed incidents (0.2)"
    )
    options = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # throwaway_database sets var/bench; a HAVEN_VAR_DIR given for this run wins.
    var_dir = os.environ.get("HAVEN_VAR_DIR")
    with throwaway_database("haven_bench_alerts") as where:
        if var_dir:
            os.environ["HAVEN_VAR_DIR"] = str(Path(var_dir).resolve())
        school = _prepare()
        from django.conf import settings

        mail = _Mailbox()
        with _worker() as worker:
            _warm_up(school, worker)
            print(f"PostgreSQL ({where}); Celery worker, prefork, concurrency "
                  f"{settings.CONFIG.worker_concurrency}; {school.notifications_each} "
                  f"notifications per incident")  # fmt: skip
            _latency(school, options.incidents, options.interval)
            _outage(school, options.outage)
            _exactly_once(school, mail)
    return 0


@dataclass
class _School:
    school: School
    recorder: User
    pupil_ids: list[int]
    category_ids: list[int]
    notifications_each: int = 0
    recorded: int = 0

    def record(self) -> tuple[int, float]:
        """Record one incident; returns its id and the wall-clock time just after commit."""
        from django.utils import timezone

        from safeguarding.concerns.services import record_incident
        from tests.sessions import verified_viewer

        n = self.recorded
        self.recorded += 1
        with self.school:
            incident = record_incident(
                viewer=verified_viewer(self.recorder),
                pupil_id=self.pupil_ids[n % len(self.pupil_ids)],
                text="Said she had not eaten since yesterday and felt dizzy in maths.",
                category_ids=[self.category_ids[n % len(self.category_ids)]],
                occurred_at=timezone.now(),
            )
        # record_incident has committed, and run its on-commit hooks (handing the task's
        # publish to the publisher thread), when it returns.
        return incident.pk, time.time()


def _prepare() -> _School:
    import django

    django.setup()
    from django.db import connections

    from accounts.models import User
    from safeguarding.access.models import Role
    from safeguarding.concerns.models import Category
    from safeguarding.demo_data import generate
    from safeguarding.people.models import Group, Pupil, StaffMembership
    from safeguarding.people.services import create_staff_profile
    from tenants.schemas import migrate_all_schemas
    from tenants.services import onboard_school

    migrate_all_schemas(verbosity=0)
    school = onboard_school(slug="bench", name="Bench High", admin_email="d@bench.example",
                            template="secondary").school  # fmt: skip
    with school:
        # SLT, Heads of School and a tutor per form: the default rules alert them all.
        generate(pupils=300, incidents=500, seed=1)
        recorder = User.objects.create_user("teacher@bench.example", None)
        create_staff_profile(user=recorder, role=Role.objects.get(name="Teachers"))
        forms = list(Group.objects.filter(kind=Group.Kind.FORM).order_by("pk")[:4])
        StaffMembership.objects.bulk_create(StaffMembership(user=recorder, group=f) for f in forms)
        prepared = _School(
            school=school,
            recorder=User.objects.select_related("staff_profile__role").get(pk=recorder.pk),
            pupil_ids=list(Pupil.objects.filter(form__in=forms).values_list("pk", flat=True)),
            # Restricted categories alert only the DSL on duty; these alert the rules' staff.
            category_ids=list(
                Category.objects.filter(restricted=False, retired_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            ),
        )
    connections.close_all()
    return prepared


@contextmanager
def _worker() -> Iterator[subprocess.Popen]:
    """A Celery worker on this run's database and Redis, as `haven up` starts it; stopped
    (its whole process group, if it will not stop) however the run ends."""
    from django.conf import settings

    from haven.celery import app
    from haven.embedded import die_with_parent

    app.control.purge()  # tasks a stopped run left behind, for rows of a dropped database
    concurrency = settings.CONFIG.worker_concurrency
    env = {**os.environ, "HAVEN_LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")])}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "haven", "worker", "--loglevel", "warning",
         "--concurrency", str(concurrency), "--without-gossip", "--without-mingle"],
        env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        start_new_session=True, preexec_fn=die_with_parent,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _warm_up(school: _School, worker: subprocess.Popen) -> None:
    """The worker's first tasks load Django, templates and connections: not timed."""
    from safeguarding.alerts.models import Notification

    def delivered() -> bool:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {worker.returncode}")
        return _unemailed(school, incidents) == 0

    incidents = [school.record()[0] for _ in range(WARM_UP)]
    _wait_for(delivered, timeout=60, what="the worker to start")
    with school.school:
        school.notifications_each = Notification.objects.filter(incident=incidents[0]).count()
    if not school.notifications_each:
        raise RuntimeError("an incident alerted no one")


def _latency(school: _School, count: int, interval: float) -> None:
    from safeguarding.alerts.models import Notification

    print(f"\n{count} incidents, one every {interval:g} s, each timed from just after its "
          f"commit:")  # fmt: skip
    committed: dict[int, float] = {}
    visible: list[float] = []
    submits: list[float] = []
    with _watcher(school) as notifications_of:
        for _ in range(count):
            started = time.perf_counter()
            incident, at = school.record()
            submits.append((time.perf_counter() - started) * 1000)
            committed[incident] = at
            # Seen by another connection: what the recipient's next page would read.
            seen = partial(notifications_of, incident)
            _wait_for(seen, timeout=10, what="the notifications", every=0)
            visible.append((time.time() - at) * 1000)
            time.sleep(interval)
    _wait_for(lambda: _unemailed(school, list(committed)) == 0, timeout=120, what="the emails")
    with school.school:
        rows = list(
            Notification.objects.filter(incident__in=committed).values_list(
                "incident_id", "emailed_at"
            )
        )
    emails = [(emailed.timestamp() - committed[incident]) * 1000 for incident, emailed in rows]
    last: dict[int, float] = {}
    for incident, emailed in rows:
        last[incident] = max(last.get(incident, 0), emailed.timestamp())
    last_email = [(at - committed[incident]) * 1000 for incident, at in last.items()]
    print(f"  {'':<40}{'median':>10}{'p95':>10}")
    for label, values in (
        ("record_incident (submit, in-process)", submits),
        ("commit -> notification rows visible", visible),
        (f"commit -> email handed over ({len(emails)})", emails),
        ("commit -> an incident's last email", last_email),
    ):
        print(f"  {label:<40}{median(values):>8.1f}ms{percentile(values, 0.95):>8.1f}ms")
    p95 = percentile(emails, 0.95) / 1000
    print(f"  goal: p95 commit -> email under 2 s: {p95:.2f} s, "
          f"{'met' if p95 < 2 else 'NOT met'}")  # fmt: skip


def _outage(school: _School, count: int) -> None:
    from django.utils import timezone

    from safeguarding.alerts.models import Notification
    from tenants import outbox
    from tenants.models import OutboxMessage

    print(f"\nRedis outage (the app's broker on a closed port; the worker waits on the real "
          f"Redis): {count} incidents")  # fmt: skip
    refused = _Counter("was not queued")
    logging.getLogger("tenants.outbox").addFilter(refused)
    incidents, submits, failures = [], [], 0
    try:
        with _broker_down():
            outage_started = time.monotonic()
            for _ in range(count):
                started = time.perf_counter()
                try:
                    incidents.append(school.record()[0])
                except Exception as error:  # counted and shown: every submit should succeed
                    failures += 1
                    print(f"  submit failed: {type(error).__name__}: {error}", file=sys.stderr)
                submits.append((time.perf_counter() - started) * 1000)
            last_commit = time.monotonic()
            outbox.wait_for_publishing(timeout=600)
            published = time.monotonic()
    finally:
        logging.getLogger("tenants.outbox").removeFilter(refused)
    with school.school:
        expected = Notification.objects.filter(incident__in=incidents).count()
        emailed = Notification.objects.filter(incident__in=incidents, emailed_at__isnull=False)
        emailed = emailed.count()
    pending = OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True)
    backlog = pending.count()
    print(f"  submits: {len(incidents)} recorded, {failures} failed; median "
          f"{median(submits):.1f} ms, p95 {percentile(submits, 0.95):.1f} ms")  # fmt: skip
    print(f"  publishes refused: {refused.count}; the publisher thread gave up on the last "
          f"{published - last_commit:.1f} s after the last commit "
          f"({(published - outage_started) / max(1, refused.count):.2f} s each)")  # fmt: skip
    print(f"  backlog: {backlog} undelivered outbox messages for {expected} notifications "
          f"({emailed} emailed during the outage)")  # fmt: skip
    if failures or backlog != expected or emailed:
        raise RuntimeError("the outage did not leave the backlog it should")

    # Past the sweep's grace, as beat would find them 30 s on, without waiting 30 s.
    pending.update(created=timezone.now() - outbox.SWEEP_GRACE * 2)
    started = time.monotonic()
    sweeps = 0
    while remaining := pending.count():
        sweeps += 1
        queued = outbox.sweep_due_messages()
        if not queued:
            raise RuntimeError(f"{remaining} messages undelivered and none due")
        left = remaining - queued
        _wait_for(lambda left=left: pending.count() <= left, timeout=300, what="the drain")
    drained = time.monotonic() - started
    unemailed = _unemailed(school, incidents)
    print(
        f"  Redis back, messages backdated past SWEEP_GRACE ({outbox.SWEEP_GRACE.seconds} s) "
        f"instead of waiting; each sweep run when the previous one's messages were done"
    )
    print(f"  drained {backlog} messages in {drained:.1f} s, {sweeps} sweep(s) "
          f"(SWEEP_BATCH {outbox.SWEEP_BATCH}): {backlog / drained:.0f} messages/s, "
          f"{len(incidents) / drained:.1f} incidents/s; {unemailed} left unemailed")  # fmt: skip
    if sweeps > 1:
        print(f"  beat sweeps each school every 60 s: this backlog would take {sweeps} sweeps, "
              f"at least {(sweeps - 1) * 60} s more than the drain itself")  # fmt: skip


def _exactly_once(school: _School, mail: _Mailbox) -> None:
    from django.conf import settings

    from safeguarding.alerts.models import Notification
    from tenants.models import OutboxMessage

    time.sleep(2)  # a duplicate delivery still on its way would show in the counts
    with school.school:  # not the demo data's incidents
        ours = Notification.objects.filter(incident__recorded_by=school.recorder)
        total = ours.count()
        emailed = ours.filter(emailed_at__isnull=False).count()
    outbox = OutboxMessage.objects.filter(school=school.school)
    messages = outbox.count()
    retried = outbox.filter(attempts__gt=0).count()
    failed = outbox.filter(failed_at__isnull=False).count()
    print(f"\nEvery notification of the run ({school.recorded} incidents): {total} "
          f"notifications, {emailed} with emailed_at, {messages} outbox messages, "
          f"{retried} retried, {failed} failed")  # fmt: skip
    written = total
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        written = mail.written()
        mail.remove()  # thousands of files a reader has no use for
        print(
            f"  emails written by the file backend: {written} "
            f"({'exactly once each' if written == total == emailed else 'MISMATCH'})"
        )
    if not emailed == written == total or failed:
        raise RuntimeError("not every notification was emailed exactly once")


class _Mailbox:
    """The emails the file backend writes in this run: files that were not there before."""

    def __init__(self) -> None:
        from django.conf import settings

        self.folder = Path(getattr(settings, "EMAIL_FILE_PATH", "") or ".")
        self.before = set(self.folder.glob("*.log")) if self.folder.is_dir() else set()

    def written(self) -> int:
        # The backend appends each message to its file followed by a line of 79 dashes.
        separator = b"-" * 79
        return sum(path.read_bytes().split(b"\n").count(separator) for path in self._new())

    def remove(self) -> None:
        for path in self._new():
            path.unlink()

    def _new(self) -> set[Path]:
        return set(self.folder.glob("*.log")) - self.before


@contextmanager
def _watcher(school: _School) -> Iterator[Callable[[int], int]]:
    """A second connection, as another request would read the notifications."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        query = sql.SQL("SELECT count(*) FROM {}.alerts_notification WHERE incident_id = %s")
        query = query.format(sql.Identifier(school.school.schema_name))

        def notifications_of(incident: int) -> int:
            return conn.execute(query, (incident,)).fetchone()[0]

        yield notifications_of


def _unemailed(school: _School, incidents: list[int]) -> int:
    from safeguarding.alerts.models import Notification

    with school.school:
        return Notification.objects.filter(incident__in=incidents, emailed_at__isnull=True).count()


@contextmanager
def _broker_down() -> Iterator[None]:
    """Redis stopped, as this process's Celery app sees it (tests/tenants/test_outbox.py)."""
    from haven.celery import app

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


class _Counter(logging.Filter):
    """Counts, and keeps off the console, the outbox's warnings that contain `text`."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if self.text in record.getMessage():
            self.count += 1
            return False
        return True


def _wait_for(
    condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.01
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {timeout:g} s")
        time.sleep(every)


if __name__ == "__main__":
    sys.exit(main())
