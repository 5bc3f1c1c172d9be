"""Onboarding speed: a school schema by clone against one by migrations, and whether
onboarding slows down as schools accumulate.

    python bench/onboarding.py [--compare 10] [--schools 200]

Runs against a throwaway database on DATABASE_URL's server, or on embedded PostgreSQL
under var/bench when DATABASE_URL is unset, and drops it afterwards. Prints medians and
ratios measured in this one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import throwaway_database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=int, default=10, help="schools per method (10)")
    parser.add_argument("--schools", type=int, default=200, help="schools onboarded in a row (200)")
    options = parser.parse_args()
    if options.schools < 20:
        parser.error("--schools must be at least 20 to compare the first and last ten")
    with throwaway_database("haven_bench") as where:
        _run(options.compare, options.schools, where)
    return 0


def _run(compare: int, schools: int, where: str) -> None:
    import django

    django.setup()
    from django.db import connection

    from tenants import schemas
    from tenants.services import onboard_school

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    print(f"PostgreSQL {version} ({where}); preparing the public and template schemas ...")
    schemas.migrate_all_schemas(verbosity=0)

    by_migrations = _timed(
        schemas.create_schema_by_migrations, [f"bench_migrate_{i}" for i in range(compare)]
    )
    by_clone = _timed(schemas.clone_template_schema, [f"bench_clone_{i}" for i in range(compare)])
    migrate_median = statistics.median(by_migrations)
    clone_median = statistics.median(by_clone)
    print(f"\nSchema for one school, median of {compare} each:")
    print(f"  by migrations   {migrate_median * 1000:8.1f} ms")
    print(f"  by clone        {clone_median * 1000:8.1f} ms")
    print(f"  ratio           {migrate_median / clone_median:8.1f}x faster by clone (goal: >= 5x)")

    print(f"\nOnboarding {schools} schools in a row (onboard_school: rows, clone, DSL account) ...")
    durations = []
    for i in range(schools):
        started = time.perf_counter()
        onboard_school(
            slug=f"school-{i + 1:04d}",
            name=f"Bench School {i + 1}",
            admin_email="dsl@bench.example",
        )
        durations.append(time.perf_counter() - started)
        if (i + 1) % 50 == 0:
            print(f"  {i + 1} schools onboarded", flush=True)
    first = statistics.median(durations[:10])
    last = statistics.median(durations[-10:])
    print(f"  median, schools 1-10      {first * 1000:8.1f} ms")
    print(f"  median, schools {schools - 9}-{schools}  {last * 1000:8.1f} ms")
    print(f"  ratio last/first          {last / first:8.2f} (flat is about 1)")


def _timed(create, names: list[str]) -> list[float]:
    durations = []
    for name in names:
        started = time.perf_counter()
        create(name)
        durations.append(time.perf_counter() - started)
    return durations


if __name__ == "__main__":
    sys.exit(main())
