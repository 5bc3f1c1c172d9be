"""The monthly billing run for 1,000 schools, each with a schema of its own and pupils on roll.

    python bench/billing_run.py [--schools 1000] [--trusts 40] [--per-trust 10]

Sets up, on a throwaway database (DATABASE_URL's server, or embedded PostgreSQL under
var/bench), `--schools` schools by cloning the template schema (timed and printed apart:
setting up is not the run), each with a seeded random number of pupils (30 to 1,200, some
of them already left). `--trusts` trusts pay for `--per-trust` of their schools each, on
one invoice; every other school pays for itself. Then times, in process:

- the first run for a month: counting every school's roll inside its schema and issuing
  every payer's invoice, each in its own transaction (the whole `billing_run`, audit
  included); the roll counting and each invoice's issue are also timed on their own;
- the same run again (idempotent: nothing issued);
- one dunning pass with every invoice 45 days overdue (reminders and read-only access).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import median, percentile, throwaway_database

SEED = 2026


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=1000, help="schools (1000)")
    parser.add_argument("--trusts", type=int, default=40, help="trusts that pay (40)")
    parser.add_argument("--per-trust", type=int, default=10, help="schools a trust pays for (10)")
    options = parser.parse_args()
    if options.trusts * options.per_trust > options.schools:
        parser.error("--trusts x --per-trust must not exceed --schools")
    with throwaway_database("haven_bench_billing") as where:
        _run(options, where)
    return 0


def _run(options, where: str) -> None:
    import datetime

    import django

    django.setup()
    from django.db import connection

    from billing import dunning, services
    from billing.models import Invoice, UsageSnapshot
    from tenants import schemas

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    print(f"PostgreSQL {version} ({where}); preparing the public and template schemas ...")
    schemas.migrate_all_schemas(verbosity=0)

    started = time.perf_counter()
    schools, pupils = _schools(options)
    print(
        f"Set up {len(schools)} schools (schema clones, {pupils:,} pupils) in "
        f"{time.perf_counter() - started:.1f} s (not part of the run)."
    )

    month = datetime.date(2026, 10, 1)
    counting: list[float] = []
    issuing: list[float] = []
    count_pupils, issue_invoice = services.count_pupils_on_roll, services._issue_invoice

    def timed_count(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return count_pupils(*args, **kwargs)
        finally:
            counting.append(time.perf_counter() - begun)

    def timed_issue(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return issue_invoice(*args, **kwargs)
        finally:
            issuing.append(time.perf_counter() - begun)

    services.count_pupils_on_roll, services._issue_invoice = timed_count, timed_issue
    started = time.perf_counter()
    result = services.billing_run(month=month, by="bench")
    first = time.perf_counter() - started
    issuing_first = list(issuing)
    started = time.perf_counter()
    repeat = services.billing_run(month=month, by="bench")
    second = time.perf_counter() - started

    payers = len(result.invoices_issued) + result.already_invoiced
    trust_invoices = Invoice.objects.filter(month=month, trust__isnull=False).count()
    print(f"\nBilling run for {month:%B %Y}: {len(schools)} schools, {payers} payers")
    print(f"  ({options.trusts} trusts paying for {options.per_trust} schools each,")
    print(f"   {len(schools) - options.trusts * options.per_trust} schools paying for themselves)")
    print(f"  invoices issued               {len(result.invoices_issued):8d}")
    print(f"    of which trusts' (consolidated) {trust_invoices:4d}")
    print(f"  usage snapshots taken         {result.snapshots_taken:8d}")
    print(f"  total time                    {first:8.2f} s   (rolls counted and invoices issued)")
    print(f"    counting rolls, in schemas  {sum(counting):8.2f} s   "
          f"(median {median(counting) * 1000:.1f} ms a school)")  # fmt: skip
    print(f"    issuing invoices            {sum(issuing_first):8.2f} s   "
          f"(median {median(issuing_first) * 1000:.1f} ms, "
          f"p95 {percentile(issuing_first, 0.95) * 1000:.1f} ms an invoice)")  # fmt: skip
    issued_again = len(repeat.invoices_issued)
    print(f"  the same run again            {second:8.2f} s   "
          f"({issued_again} issued, {repeat.already_invoiced} already invoiced)")  # fmt: skip
    assert UsageSnapshot.objects.filter(month=month).count() == len(schools)
    assert not repeat.invoices_issued

    due = Invoice.objects.filter(month=month).values_list("due_on", flat=True).first()
    started = time.perf_counter()
    overdue = dunning.run_dunning(today=due + datetime.timedelta(days=45))
    print(f"\nDunning pass, all {len(result.invoices_issued)} invoices 45 days overdue: "
          f"{time.perf_counter() - started:.2f} s ({len(overdue.made_read_only)} schools made "
          f"read-only; no billing contacts, so nothing emailed)")  # fmt: skip


def _schools(options) -> tuple[list, int]:
    """`options.schools` schools, cloned from the template, joined a year before the month
    billed, with pupils on roll; the first trusts x per-trust are paid for by their trust."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from billing.models import Plan, Subscription
    from safeguarding.people.models import Pupil
    from tenants import schemas
    from tenants.models import Domain, School, Trust

    rng = random.Random(SEED)
    trusts = Trust.objects.bulk_create(
        [Trust(slug=f"trust-{t:03d}", name=f"Bench Trust {t}") for t in range(options.trusts)]
    )
    plan = Plan.objects.get(is_default=True)
    joined = timezone.make_aware(datetime.datetime(2025, 9, 1, 12))
    schools, pupils, clones = [], 0, []
    for index in range(options.schools):
        slug = f"school-{index + 1:04d}"
        in_trust = index < options.trusts * options.per_trust
        begun = time.perf_counter()
        with transaction.atomic():
            schemas.clone_template_schema(slug)
        clones.append(time.perf_counter() - begun)
        school = School.objects.create(
            schema_name=slug, slug=slug, name=f"Bench School {index + 1}",
            trust=trusts[index // options.per_trust] if in_trust else None,
        )  # fmt: skip
        Domain.objects.create(domain=f"{slug}.localhost", tenant=school, is_primary=True)
        Subscription.objects.create(
            school=school, plan=plan, payer="trust" if in_trust else "school"
        )
        size = rng.randint(30, 1200)
        with school:
            Pupil.objects.bulk_create(
                [
                    Pupil(
                        upn=f"B{index:05d}{n:07d}"[:13],
                        legal_first_name="Synthetic",
                        legal_last_name=f"Pupil {n}",
                        date_of_birth=datetime.date(2014, 1, 1),
                        # One in twenty left in the summer: not on roll in October.
                        leaving_date=datetime.date(2026, 7, 20) if n % 20 == 0 else None,
                    )
                    for n in range(size)
                ],
                batch_size=2000,
            )
        pupils += size
        schools.append(school)
        if (index + 1) % 100 == 0:
            print(f"  {index + 1} schools set up (clone median {median(clones) * 1000:.0f} ms)",
                  flush=True)  # fmt: skip
    School.objects.update(created=joined)
    return schools, pupils


if __name__ == "__main__":
    sys.exit(main())
