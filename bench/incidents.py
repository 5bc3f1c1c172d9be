"""Recording an incident through the whole stack, beside a bare Django view on the same
server in the same run, and rendering a 500-entry chronology.

    python bench/incidents.py [--requests 200] [--seconds 5] [--clients 4]

Starts gunicorn on a throwaway database (DATABASE_URL's server, or embedded PostgreSQL),
signs a teacher in over HTTP, and prints medians, p95s, throughput and the ratio.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import median, percentile, throwaway_database  # noqa: E402
from tests.http import Browser, csrf_token  # noqa: E402

PASSWORD = "Bench-Pa55word!"  # noqa: S105 (a throwaway database)
HOST = "bench.localhost"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per kind")
    parser.add_argument("--seconds", type=float, default=5, help="throughput run per kind")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    options = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    with throwaway_database("haven_bench_incidents") as where:
        school = _prepare()
        print(f"PostgreSQL ({where}); gunicorn with 2 workers; {school['pupils']} pupils")
        with _server() as port:
            _measure(port, school, options)
    return 0


def _prepare() -> dict:
    import django

    django.setup()
    from django.db import connections, transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from safeguarding.access.models import Role
    from safeguarding.concerns.models import Action, Category, Incident, IncidentCategory
    from safeguarding.demo_data import generate
    from safeguarding.people.models import Group, Pupil, StaffMembership
    from safeguarding.people.services import create_staff_profile
    from tenants.schemas import migrate_all_schemas
    from tenants.services import onboard_school

    migrate_all_schemas(verbosity=0)
    school = onboard_school(slug="bench", name="Bench High", admin_email="d@bench.example",
                            template="secondary").school  # fmt: skip
    with school:
        generate(pupils=300, incidents=2000, seed=1)
        staff = {}
        for role in ("Teachers", "Safeguarding team"):
            user = User.objects.create_user(f"{role[:4].lower()}@bench.example", PASSWORD)
            create_staff_profile(user=user, role=Role.objects.get(name=role))
            staff[role] = user.email
        # Teachers record about the pupils of their own groups: this one tutors four forms.
        teacher = User.objects.get(email=staff["Teachers"])
        forms = list(Group.objects.filter(kind=Group.Kind.FORM).order_by("pk")[:4])
        StaffMembership.objects.bulk_create(StaffMembership(user=teacher, group=f) for f in forms)
        # One pupil with a 500-entry chronology: 250 incidents, each with an action.
        pupil = Pupil.objects.order_by("pk").first()
        category = Category.objects.get(name="Behaviour")
        author = User.objects.get(email=staff["Teachers"])
        # One transaction: an incident's categories join it only in the one that records it.
        with transaction.atomic():
            start = timezone.now() - datetime.timedelta(days=600)
            incidents = Incident.objects.bulk_create(
                Incident(pupil=pupil, text=f"Chronology entry {n}.", recorded_by=author,
                         occurred_at=start + datetime.timedelta(hours=n))
                for n in range(250)
            )  # fmt: skip
            IncidentCategory.objects.bulk_create(
                IncidentCategory(incident=i, category=category) for i in incidents
            )
            Action.objects.bulk_create(
                Action(incident=i, kind="note", text="Followed up.", recorded_by=author,
                       occurred_at=i.occurred_at + datetime.timedelta(minutes=20))
                for i in incidents
            )  # fmt: skip
        result = {
            "teacher": staff["Teachers"],
            "dsl": staff["Safeguarding team"],
            "pupils": Pupil.objects.count(),
            "pupil_ids": list(Pupil.objects.filter(form__in=forms).values_list("pk", flat=True)),
            "category_ids": [
                c.pk for c in Category.objects.filter(restricted=False, retired_at__isnull=True)
            ],
            "chronology_pupil": pupil.pk,
            # The DSL reads the chronology from a session verified with this authenticator.
            "dsl_totp_key": TOTPDevice.objects.create(
                user=User.objects.get(email=staff["Safeguarding team"]), name="Bench phone"
            ).key,
        }
    connections.close_all()
    return result


class _server:
    """gunicorn serving the throwaway database, as `haven up` would."""

    def __enter__(self) -> int:
        from haven.embedded import free_port, wait_for_port

        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HAVEN_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "haven.wsgi:application", "--bind",
             f"127.0.0.1:{self.port}", "--workers", "2", "--no-control-socket",
             "--log-level", "warning"],
            env=env, cwd=ROOT,
        )  # fmt: skip
        if not wait_for_port("127.0.0.1", self.port, timeout=30):
            raise RuntimeError("gunicorn did not start")
        return self.port

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _signed_in(port: int, email: str) -> Browser:
    browser = Browser(port, HOST)
    status, _, page = browser.get("/accounts/login/")
    status, _, _ = browser.post_form(
        "/accounts/login/",
        {"csrfmiddlewaretoken": csrf_token(page), "username": email, "password": PASSWORD},
    )
    if status != 302:
        raise RuntimeError(f"could not sign {email} in ({status})")
    return browser


def _submitter(port: int, school: dict):
    """A signed-in teacher who submits the Add Incident form, as a browser does."""
    browser = _signed_in(port, school["teacher"])
    _, _, page = browser.get("/incidents/new/")
    token = csrf_token(page)
    rng = random.Random()

    def submit() -> None:
        status, _, body = browser.post_form(
            "/incidents/new/",
            {
                "csrfmiddlewaretoken": token,
                "pupil": str(rng.choice(school["pupil_ids"])),
                "text": "Said she had not eaten since yesterday and felt dizzy in maths.",
                "categories": str(rng.choice(school["category_ids"])),
                "occurred_at": datetime.datetime.now().strftime("%Y-%m-%dT%H:%M"),
                "status": "active",
                "submit": "1",
            },
        )
        if status != 302:
            raise RuntimeError(f"submission failed with {status}: {body[:300]}")
        # A browser shows the "recorded" message on the next page, which empties the
        # messages cookie; without this it would grow with every submission.
        browser.cookies.pop("messages", None)

    return submit


def _bare(port: int):
    browser = Browser(port, HOST)

    def get() -> None:
        status, _, _ = browser.get("/bench/bare/")
        if status != 200:
            raise RuntimeError(f"bare view answered {status}")

    return get


def _elevated(browser: Browser, hex_key: str) -> Browser:
    from django_otp.oath import totp

    status, _, page = browser.get("/accounts/elevate/")
    code = f"{totp(bytes.fromhex(hex_key)):06d}"
    status, _, _ = browser.post_form(
        "/accounts/elevate/", {"csrfmiddlewaretoken": csrf_token(page), "code": code}
    )
    if status != 302:
        raise RuntimeError(f"could not elevate ({status})")
    return browser


def _chronology(port: int, school: dict):
    browser = _elevated(_signed_in(port, school["dsl"]), school["dsl_totp_key"])
    path = f"/pupils/{school['chronology_pupil']}/"

    def get() -> None:
        status, _, body = browser.get(path)
        if status != 200 or "Chronology entry 249." not in body:
            raise RuntimeError(f"chronology page answered {status}")

    return get


def _latencies(call, count: int) -> list[float]:
    return _interleaved([call], count)[0]


def _interleaved(calls: list, count: int) -> list[list[float]]:
    """Each call timed `count` times, taking turns, so a busy moment on the machine falls on
    all of them alike rather than on whichever happened to run then."""
    for call in calls:
        for _ in range(min(20, count)):
            call()  # warm up: imports, caches, connections
    timings: list[list[float]] = [[] for _ in calls]
    for _ in range(count):
        for call, times in zip(calls, timings, strict=True):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
    return timings


def _throughput(make_call, clients: int, seconds: float) -> float:
    calls = [make_call() for _ in range(clients)]
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        while time.monotonic() < stop:
            calls[index]()
            done[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def _measure(port: int, school: dict, options) -> None:
    kinds = (
        ("bare Django view", lambda: _bare(port)),
        ("submit an incident", lambda: _submitter(port, school)),
    )
    timings = _interleaved([make() for _, make in kinds], options.requests)
    rows = [
        (
            label,
            median(times),
            percentile(times, 0.95),
            _throughput(make, options.clients, options.seconds),
        )
        for (label, make), times in zip(kinds, timings, strict=True)
    ]
    print(f"\n{'':<22}{'median':>10}{'p95':>10}{'req/s':>10}   ({options.requests} sequential;"
          f" {options.clients} clients for {options.seconds:g} s)")  # fmt: skip
    for label, med, p95, rate in rows:
        print(f"  {label:<20}{med:>8.1f}ms{p95:>8.1f}ms{rate:>10.0f}")
    ratio = rows[1][1] / rows[0][1]
    print(f"\n  ratio, median submit / median bare view: {ratio:.1f}x (goal: within 3x)")

    chronology = _latencies(_chronology(port, school), 50)
    print(f"\n  pupil page with a 500-entry chronology: median {median(chronology):.1f} ms, "
          f"p95 {percentile(chronology, 0.95):.1f} ms (goal: median under 150 ms)")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
