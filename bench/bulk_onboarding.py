"""Bulk onboarding of a trust from CSV: how long a 30-school file takes end to end, and each
school within it.

    python bench/bulk_onboarding.py [--schools 30]

Runs against a throwaway database on DATABASE_URL's server, or on embedded PostgreSQL
under var/bench when DATABASE_URL is unset, and drops it afterwards. The CSV is made up;
it is checked (console.onboarding.parse_bulk_csv) and then run by the worker's own function
(console.tasks.run_bulk_onboarding) in this process, as the Celery worker would run it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import median, percentile, throwaway_database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=30, help="schools in the file (30)")
    options = parser.parse_args()
    if not 1 <= options.schools <= 500:
        parser.error("--schools must be between 1 and 500 (the most one file may hold)")
    with throwaway_database("haven_bench_bulk") as where:
        _run(options.schools, where)
    return 0


def _csv(schools: int) -> bytes:
    templates = ["primary", "secondary", "alternative-provision"]
    lines = ["slug,name,template,plan,dsl_email"]
    for i in range(1, schools + 1):
        lines.append(
            f"bench-{i:03d},Bench School {i},{templates[i % 3]},standard,dsl@bench-{i:03d}.example"
        )
    return ("\n".join(lines) + "\n").encode()


def _run(schools: int, where: str) -> None:
    import django

    django.setup()
    from django.db import connection

    from console import onboarding
    from console.models import BulkOnboardingRow
    from console.tasks import run_bulk_onboarding
    from tenants import schemas
    from tenants.services import create_trust

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    print(f"PostgreSQL {version} ({where}); preparing the public and template schemas ...")
    schemas.migrate_all_schemas(verbosity=0)
    create_trust(slug="bench-trust", name="Bench Academy Trust")
    data = _csv(schools)

    checks = []
    for _ in range(5):
        started = time.perf_counter()
        checked = onboarding.parse_bulk_csv(data)
        checks.append(time.perf_counter() - started)
    assert checked.ok, checked.errors or checked.rows_with_problems[0].problems

    # The worker's function runs below, in process: nothing is sent to a broker, where a
    # worker on another database could pick the job's id up.
    onboarding.queue_bulk_onboarding = lambda job: True
    print(f"\nOnboarding a trust of {schools} schools from CSV (check, record, run) ...")
    started = time.perf_counter()
    job = onboarding.start_bulk_onboarding(
        by="bench", trust="bench-trust", data=data, file_name="bench.csv"
    )
    status = run_bulk_onboarding(job.pk)  # the task's body, in process
    total = time.perf_counter() - started

    rows = list(job.rows.all())
    onboarded = [row for row in rows if row.status == BulkOnboardingRow.Status.ONBOARDED]
    if status != "finished" or len(onboarded) != schools:
        failed = [(row.slug, row.message) for row in rows if row not in onboarded]
        raise SystemExit(f"Not every school was onboarded ({status}): {failed[:3]}")
    seconds = [row.seconds for row in rows]
    print(f"  CSV check, median of 5    {median(checks) * 1000:8.1f} ms")
    print(f"  total, file to finished   {total:8.2f} s")
    print(f"  per school, median        {median(seconds) * 1000:8.1f} ms")
    print(f"  per school, p95           {percentile(seconds, 0.95) * 1000:8.1f} ms")
    print(f"  per school, slowest       {max(seconds) * 1000:8.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
