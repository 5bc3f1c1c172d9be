"""The school reports page for a school with 2,000 and with 20,000 incidents.

    python bench/reports.py [--runs 20] [--small 2000] [--large 20000]

On a throwaway database (DATABASE_URL's server, or embedded PostgreSQL): two schools made
with the demo data generator (incidents over the last two years, a few pupils with many),
plus open and overdue actions on a tenth of the incidents. A signed-in DSL (second factor
verified) opens /reports/ through the whole Django stack in process, with the default
period (the last 12 months). Prints the median and p95 time and the number of queries for
each school: the same number at both sizes. Then the governors' PDF for the larger school.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import median, percentile, throwaway_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed page loads per school")
    parser.add_argument("--small", type=int, default=2000, help="incidents at the first school")
    parser.add_argument("--large", type=int, default=20000, help="incidents at the second")
    options = parser.parse_args()
    with throwaway_database("haven_bench_reports") as where:
        started = time.perf_counter()
        schools = _prepare([("small", options.small), ("large", options.large)])
        print(f"PostgreSQL ({where}); schools made in {time.perf_counter() - started:.0f} s; "
              f"{options.runs} timed loads of each, after 2 to warm up\n")  # fmt: skip
        _measure(schools, options.runs)
    return 0


def _prepare(sizes: list[tuple[str, int]]) -> list[dict]:
    import django

    # WhiteNoise looks for collected static files there; the bench serves none.
    (Path(os.environ["HAVEN_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    django.setup()
    from tenants.schemas import migrate_all_schemas

    migrate_all_schemas(verbosity=0)
    return [_school(slug, incidents) for slug, incidents in sizes]


def _school(slug: str, incidents: int) -> dict:
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from safeguarding.access.models import Role
    from safeguarding.concerns.models import Action, Incident
    from safeguarding.demo_data import generate
    from safeguarding.people.services import create_staff_profile
    from tenants.services import onboard_school

    school = onboard_school(
        slug=slug, name=f"Bench {slug.title()} School", admin_email=f"d@{slug}.example",
        template="secondary",
    ).school  # fmt: skip
    with school:
        made = generate(pupils=max(300, incidents // 16), incidents=incidents, seed=1)
        dsl = User.objects.create_user(f"dsl@{slug}.example", full_name="Bench Lead")
        create_staff_profile(user=dsl, role=Role.objects.get(name="Safeguarding team"))
        device = TOTPDevice.objects.create(user=dsl, name="Bench phone")
        # The generator's actions are notes with no one to do them: give a tenth of the
        # incidents an assigned one, due within three weeks either side of today.
        rng, today = random.Random(2), timezone.localdate()
        staff = list(User.objects.filter(staff_profile__isnull=False))
        with transaction.atomic():
            Action.objects.bulk_create(
                (
                    Action(incident=incident, kind="note", text="Follow up with home.",
                           occurred_at=incident.occurred_at + datetime.timedelta(hours=2),
                           recorded_by=rng.choice(staff), assignee=rng.choice(staff),
                           due_date=today + datetime.timedelta(days=rng.randint(-21, 21)))
                    for incident in Incident.objects.order_by("pk")[::10]
                ),
                batch_size=2000,
            )  # fmt: skip
    return {
        "school": school,
        "incidents": made.incidents,
        "pupils": made.pupils,
        "dsl": dsl.pk,
        "device": device.persistent_id,
    }


def _client(prepared: dict):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import User

    school = prepared["school"]
    client = Client(HTTP_HOST=f"{school.slug}.localhost")
    with school:
        client.force_login(User.objects.get(pk=prepared["dsl"]))
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = prepared["device"]
        session.save()
    return client


def _measure(schools: list[dict], runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    print(f"  {'/reports/ (the last 12 months)':<52}{'median':>8}{'p95':>8}{'queries':>9}")
    counts = []
    for prepared in schools:
        client = _client(prepared)

        def load(client=client):
            response = client.get("/reports/")
            assert response.status_code == 200, response.status_code
            return response

        times = _times(load, runs)
        with CaptureQueriesContext(connection) as captured:
            page = load().content.decode()
        counts.append(len(captured))
        shown = page.split("<strong>", 1)[1].split("</strong>", 1)[0]
        label = f"{prepared['incidents']:,} incidents ({shown} in the period)"
        print(f"  {label:<52}{median(times):>6.0f}ms{percentile(times, 0.95):>6.0f}ms"
              f"{len(captured):>9}")  # fmt: skip
    print(f"\n  Queries per page: {' and '.join(map(str, counts))}: "
          + ("the same at both sizes." if len(set(counts)) == 1 else "NOT CONSTANT."))  # fmt: skip

    client = _client(schools[-1])

    def governors():
        response = client.get("/reports/governors.pdf")
        assert response.status_code == 200, response.status_code
        return response

    times = _times(governors, max(3, runs // 4))
    size = len(governors().content) / 1024
    print(
        f"  Governors' PDF, {schools[-1]['incidents']:,} incidents: median "
        f"{median(times):.0f} ms, p95 {percentile(times, 0.95):.0f} ms ({size:.0f} KB)"
    )


def _times(call, runs: int) -> list[float]:
    for _ in range(2):
        call()  # warm up: templates, the policy's categories, WeasyPrint's fonts
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


if __name__ == "__main__":
    sys.exit(main())
