"""Trust insights for a trust of 50 schools with 10,000 incidents each: the time to rebuild
every school's facts, the trust dashboard's time, and the freshness delay from an incident's
commit to the facts showing it.

    python bench/insights.py [--schools 50] [--incidents 10000] [--commits 20] [--runs 20]

On a throwaway database (DATABASE_URL's server, or embedded PostgreSQL): one trust, its
schools onboarded by cloning, each filled by the demo data generator (two years of
incidents) plus an assigned action on a tenth of the incidents, by a DSL, a third of them
completed. Then:

- the rebuild of all facts (`haven insights-rebuild`), timed whole and per school;
- the dashboard: the fact queries a dashboard needs (the trust's CategoryMonth and
  RollMonth rows for 12 months, grouped), and the trust lead's page itself (/trust/ on the
  platform host, signed in with a verified second factor) through the whole Django stack;
- freshness: a Celery worker and Celery beat started as `haven up` starts them, incidents
  recorded one at a time through `record_incident` in random schools, each timed from just
  after its commit until its school's facts count it (median and p95).

REDIS_URL should name a Redis database of its own: the run empties its Celery queue.
Prints medians and p95s measured in this one run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import median, percentile, throwaway_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50, help="schools in the trust (50)")
    parser.add_argument("--incidents", type=int, default=10000, help="incidents each (10,000)")
    parser.add_argument("--commits", type=int, default=20, help="incidents timed for freshness")
    parser.add_argument("--runs", type=int, default=20, help="timed dashboard loads (20)")
    options = parser.parse_args()
    with throwaway_database("haven_bench_insights") as where:
        started = time.perf_counter()
        trust, schools = _prepare(options.schools, options.incidents)
        print(f"PostgreSQL ({where}); a trust of {len(schools)} schools with "
              f"{options.incidents:,} incidents each, made in "
              f"{time.perf_counter() - started:.0f} s\n")  # fmt: skip
        _rebuild(schools)
        _dashboard(trust, options.runs)
        _freshness(schools, options.commits)
    return 0


def _prepare(count: int, incidents: int):
    import django

    (Path(os.environ["HAVEN_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    django.setup()
    from tenants.schemas import migrate_all_schemas
    from tenants.services import create_trust

    migrate_all_schemas(verbosity=0)
    trust = create_trust(slug="bench-trust", name="Bench Learning Trust")
    schools = []
    for number in range(count):
        schools.append(_school(number, incidents))
        print(f"  school {number + 1}/{count} filled", end="\r", flush=True)
    print(" " * 40, end="\r")
    return trust, schools


def _school(number: int, incidents: int):
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from safeguarding.access.models import Role
    from safeguarding.concerns.models import Action, ActionCompletion, Incident
    from safeguarding.demo_data import generate
    from safeguarding.people.services import create_staff_profile
    from tenants.services import onboard_school

    slug = f"bench-{number:03d}"
    school = onboard_school(
        slug=slug, name=f"Bench School {number}", admin_email=f"d@{slug}.example",
        trust="bench-trust", template="secondary" if number % 3 else "primary",
    ).school  # fmt: skip
    with school:
        generate(pupils=max(300, incidents // 16), incidents=incidents, seed=number)
        dsl = User.objects.create_user(f"dsl@{slug}.example", full_name="Bench Lead")
        create_staff_profile(user=dsl, role=Role.objects.get(name="Safeguarding team"))
        # The generator's actions are notes by anyone: give a tenth of the incidents an
        # assigned action by the DSL, a few days after recording, a third of them completed.
        rng, staff = random.Random(number), list(User.objects.filter(staff_profile__isnull=False))
        with transaction.atomic():
            actions = Action.objects.bulk_create(
                (
                    Action(incident=incident, kind="note", text="Follow up with home.",
                           occurred_at=(at := incident.recorded_at + datetime.timedelta(
                               hours=rng.randint(1, 24 * 20))),
                           recorded_at=min(at, timezone.now()), recorded_by=dsl,
                           assignee=rng.choice(staff),
                           due_date=at.date() + datetime.timedelta(days=rng.randint(1, 30)))
                    for incident in Incident.objects.order_by("pk")[::10]
                ),
                batch_size=2000,
            )  # fmt: skip
            ActionCompletion.objects.bulk_create(
                (
                    ActionCompletion(
                        action=action, completed_by=dsl,
                        completed_at=min(action.recorded_at + datetime.timedelta(days=
                                         rng.randint(0, 40)), timezone.now()),
                    )
                    for action in actions[::3]
                ),
                batch_size=2000,
            )  # fmt: skip
    return school


def _rebuild(schools) -> None:
    from insights import services
    from insights.models import CategoryMonth, RollMonth

    each: list[float] = []
    last = [time.perf_counter()]

    def progress(school, done: int, total: int) -> None:
        now = time.perf_counter()
        each.append((now - last[0]) * 1000)
        last[0] = now

    started = time.perf_counter()
    rebuilt = services.rebuild_all(progress=progress)
    whole = time.perf_counter() - started
    # Again, over rows already there: what a refresh of one school costs.
    again: list[float] = []
    for school in schools[:10]:
        begun = time.perf_counter()
        services.rebuild(school)
        again.append((time.perf_counter() - begun) * 1000)
    print(f"Rebuild of all facts ({rebuilt} schools, one transaction each): {whole:.1f} s "
          f"({CategoryMonth.objects.count():,} category rows, {RollMonth.objects.count():,} "
          f"roll rows)")  # fmt: skip
    print(f"  per school: median {median(each):.0f} ms, p95 {percentile(each, 0.95):.0f} ms; "
          f"again over its rows (a refresh): median {median(again):.0f} ms\n")  # fmt: skip


def _dashboard(trust, runs: int) -> None:
    from django.db import connection
    from django.db.models import Sum
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from insights.facts import COUNTS
    from insights.models import CategoryMonth, RollMonth

    this_month = timezone.localdate().replace(day=1)
    first = (this_month - datetime.timedelta(days=335)).replace(day=1)

    def fact_queries() -> None:
        cells = CategoryMonth.objects.filter(
            school__trust=trust, month__gte=first, month__lte=this_month
        )
        sums = {name: Sum(name) for name in COUNTS}
        list(cells.values("standard", "month").annotate(**sums))
        list(cells.values("school", "standard").annotate(**sums))
        list(cells.values_list("school", "first_action_days"))
        list(
            RollMonth.objects.filter(
                school__trust=trust, month__gte=first, month__lte=this_month
            ).values("school", "month", "pupils")
        )

    print(f"Dashboard, {trust.schools.count()} schools, the last 12 months, "
          f"{runs} timed loads after 2 to warm up:")  # fmt: skip
    times = _times(fact_queries, runs)
    print(f"  {'fact queries (trend, per school, first action, roll)':<56}"
          f"median {median(times):>5.0f} ms, p95 {percentile(times, 0.95):>5.0f} ms")  # fmt: skip
    client = _trust_lead_client(trust)
    if client is None:
        print("  the trust dashboard page: not measured (no trusts app)")
        return

    def page():
        response = client.get("/trust/")
        assert response.status_code == 200, response.status_code
        return response

    times = _times(page, runs)
    with CaptureQueriesContext(connection) as captured:
        size = len(page().content) / 1024
    label = f"/trust/ page, whole Django stack ({len(captured)} queries, {size:.0f} KB)"
    print(f"  {label:<56}median {median(times):>5.0f} ms, p95 "
          f"{percentile(times, 0.95):>5.0f} ms   (goal: under 200 ms)\n")  # fmt: skip


def _trust_lead_client(trust):
    """A signed-in trust lead whose session verified a second factor, on the platform host."""
    try:
        from trusts.models import TrustLead
    except ImportError:
        return None
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    user = User.objects.create_user("lead@bench-trust.example", full_name="Bench Trust Lead")
    TrustLead.objects.create(user=user, trust=trust)
    device = TOTPDevice.objects.create(user=user, name="Bench phone")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _freshness(schools, commits: int) -> None:
    from django.db import connections
    from django.utils import timezone

    from accounts.models import User
    from insights.models import CategoryMonth
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import record_incident
    from safeguarding.people.models import Pupil
    from tests.sessions import verified_viewer

    rng = random.Random(7)
    this_month = timezone.localdate().replace(day=1)

    def counted(school, standard: str) -> int:
        row = CategoryMonth.objects.filter(school=school, month=this_month, standard=standard)
        return row.values_list("incidents", flat=True).first() or 0

    def record(school) -> tuple[Callable[[], bool], float]:
        with school:
            dsl = User.objects.select_related("staff_profile__role").get(
                email=f"dsl@{school.slug}.example"
            )
            category = rng.choice(list(Category.objects.filter(retired_at__isnull=True)))
            pupil = Pupil.objects.order_by("?").values_list("pk", flat=True).first()
        before = counted(school, category.standard)
        with school:
            record_incident(
                viewer=verified_viewer(dsl), pupil_id=pupil, category_ids=[category.pk],
                text="Said she had not eaten since yesterday and felt dizzy in maths.",
                occurred_at=timezone.now() - datetime.timedelta(minutes=1),
            )  # fmt: skip
        committed = time.perf_counter()
        return (lambda: counted(school, category.standard) > before), committed

    connections.close_all()
    with _celery("worker"), _celery("beat"):
        # Not timed: the worker's and beat's start, and their first refreshes.
        shown, _ = record(schools[0])
        _wait_for(shown, timeout=120, what="the worker and beat to start")
        delays: list[float] = []
        for _ in range(commits):
            time.sleep(rng.uniform(0, 10))  # commits at any phase of the beat's 10 s
            shown, committed = record(rng.choice(schools))
            _wait_for(shown, timeout=120, what="the facts to show an incident")
            delays.append(time.perf_counter() - committed)
    print(f"Freshness, {commits} incidents in random schools, from just after the commit to "
          f"the school's facts counting it (beat every 10 s, then a refresh task):")  # fmt: skip
    print(f"  median {median(delays):.1f} s, p95 {percentile(delays, 0.95):.1f} s, "
          f"longest {max(delays):.1f} s   (goal: within a minute)")  # fmt: skip


@contextmanager
def _celery(kind: str) -> Iterator[subprocess.Popen]:
    """A Celery worker or beat on this run's database and Redis, as `haven up` starts it;
    stopped (its whole process group, if it will not stop) however the run ends."""
    from django.conf import settings

    from haven.celery import app
    from haven.embedded import die_with_parent

    env = {**os.environ, "HAVEN_LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")])}  # fmt: skip
    command = [sys.executable, "-m", "celery", "-A", "haven", kind, "--loglevel", "warning"]
    with tempfile.TemporaryDirectory() as scratch:
        if kind == "worker":
            app.control.purge()  # tasks a stopped run left behind
            command += ["--concurrency", str(settings.CONFIG.worker_concurrency),
                        "--without-gossip", "--without-mingle"]  # fmt: skip
        else:
            command += ["--schedule", str(Path(scratch) / "celerybeat-schedule")]
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
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


def _wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _times(call: Callable[[], object], runs: int) -> list[float]:
    for _ in range(2):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


if __name__ == "__main__":
    sys.exit(main())
