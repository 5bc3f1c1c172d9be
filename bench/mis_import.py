"""MIS import speed: a 2,000-pupil secondary's roll with two contacts each, imported first
into an empty school and then again unchanged.

    python bench/mis_import.py [--pupils 2000] [--schools 3] [--repeats 5]

On a throwaway database (DATABASE_URL's server, or embedded PostgreSQL under var/bench when
DATABASE_URL is unset), onboards `--schools` schools and generates one synthetic SIMS-layout
CSV (made-up names, UPNs, phones and emails). Times, in process, what the page and the
command run: the check (read the file, plan the dry run, keep it) and the apply (plan again,
write in one transaction, record every change), for

- the first import, once per school (a median over the schools);
- the same file again, `--repeats` times in one school (nothing changes);
- a file with 5% of pupils changed and 1% gone, once, for scale, then one where every
  pupil moves form (a new school year).

Goals (issue 9): first import under 10 s, re-import under 3 s.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import median, throwaway_database

SEED = 2026
FIRST = [
    "Ada",
    "Alba",
    "Ari",
    "Bea",
    "Cal",
    "Dani",
    "Eli",
    "Esme",
    "Fen",
    "Gil",
    "Hal",
    "Ira",
    "Jude",
    "Kit",
    "Lou",
    "Mae",
    "Nell",
    "Oli",
    "Pip",
    "Quin",
    "Rae",
    "Sol",
    "Tam",
    "Uma",
    "Vic",
    "Wren",
    "Xan",
    "Yas",
    "Zed",
]
LAST = [
    "Ashby",
    "Bramley",
    "Carden",
    "Dunmore",
    "Elsdon",
    "Farleigh",
    "Garside",
    "Hollins",
    "Ingham",
    "Jessop",
    "Kettle",
    "Lindley",
    "Marsden",
    "Northam",
    "Oakes",
    "Pennock",
    "Quarry",
    "Redfern",
    "Saltley",
    "Thornby",
    "Upton",
    "Varley",
    "Wetherby",
    "Yardley",
]
RELATIONS = ("Mother", "Father", "Carer", "Grandparent", "Aunt")
HEADER = (
    "UPN,Adno,Legal Surname,Legal Forename,Preferred Forename,DOB,Gender,Year,Reg,"
    "Admission Date,Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship,"
    "Contact 1 Telephone,Contact 1 Email,Contact 1 Priority,Contact 2 Forename,"
    "Contact 2 Surname,Contact 2 Relationship,Contact 2 Telephone,Contact 2 Email,"
    "Contact 2 Priority"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=2000, help="pupils on roll (2000)")
    parser.add_argument("--schools", type=int, default=3, help="first imports timed (3)")
    parser.add_argument("--repeats", type=int, default=5, help="re-imports timed (5)")
    options = parser.parse_args()
    with throwaway_database("haven_bench_imports") as where:
        _run(options, where)
    return 0


def roll_csv(pupils: int, *, seed: int = SEED, changed: float = 0.0, gone: float = 0.0) -> bytes:
    """A SIMS-layout roll of synthetic pupils, each with two contacts. With `changed`, that
    share of pupils moves form; with `gone`, that share is left out (leavers)."""
    rng = random.Random(seed)
    shift = random.Random(seed + 1)
    lines = [HEADER]
    for n in range(pupils):
        year = 7 + n % 5
        form = f"{year}{'ABCDEFGH'[rng.randrange(8)]}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        born = datetime.date(2026 - year - 5, 1 + rng.randrange(12), 1 + rng.randrange(28))
        contacts = []
        for slot in (1, 2):
            relation = RELATIONS[(n + slot) % len(RELATIONS)]
            phone = f"07700 9{rng.randrange(10**5):05d}"
            email = f"contact{n}.{slot}@example.org"
            contacts += [rng.choice(FIRST), last, relation, phone, email, str(slot)]
        # The same random draws whatever changes, so that unchanged pupils stay the same.
        if changed and shift.random() < changed:
            form = f"{year}Z"
        if gone and shift.random() < gone:
            continue
        pupil = [f"B{n:012d}", f"{n:06d}", last, first, "", born.strftime("%d/%m/%Y"), "FM"[n % 2]]
        lines.append(",".join([*pupil, str(year), form, "01/09/2024", *contacts]))
    return ("\r\n".join(lines) + "\r\n").encode()


def _run(options, where: str) -> None:
    import django

    django.setup()
    from django.db import connection

    from safeguarding.imports import services
    from safeguarding.imports.models import RecordChange
    from safeguarding.people.models import Guardian, Pupil
    from tenants.schemas import migrate_all_schemas
    from tenants.services import onboard_school

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    print(f"PostgreSQL {version} ({where}); preparing the public and template schemas ...")
    migrate_all_schemas(verbosity=0)
    schools = [
        onboard_school(slug=f"imports{i}", name=f"Import Bench {i}", admin_email=f"d@i{i}.example",
                       template="secondary").school
        for i in range(options.schools)
    ]  # fmt: skip
    data = roll_csv(options.pupils)
    print(f"{options.pupils:,} pupils with two contacts each: a {len(data) / 1e6:.1f} MB CSV.\n")

    def timed_import(payload: bytes) -> tuple[float, float, dict]:
        begun = time.perf_counter()
        run = services.check_file(
            data=payload, kind="pupils", file_name="roll.csv", full=True, by=None, source="cli"
        )
        checked = time.perf_counter()
        run = services.confirm_and_apply(run, by=None, leavers_confirmed=True)
        applied = time.perf_counter()
        assert run.status == "applied", run.failure
        return checked - begun, applied - checked, run.report

    firsts = []
    for school in schools:
        with school:
            check, apply, report = timed_import(data)
            assert report["new"] == options.pupils
            assert Guardian.objects.count() == 2 * options.pupils
            firsts.append((check, apply))
    with schools[0]:
        changes_before = RecordChange.objects.count()
        agains = [timed_import(data)[:2] for _ in range(options.repeats)]
        assert RecordChange.objects.count() == changes_before, "a re-import changed something"
        check, apply, report = timed_import(roll_csv(options.pupils, changed=0.05, gone=0.01))
        on_roll = Pupil.objects.filter(leaving_date__isnull=True).count()
        everyone = timed_import(roll_csv(options.pupils, changed=1.0))

    def line(label: str, timings: list[tuple[float, float]], goal: float) -> None:
        checks = median([c for c, _ in timings])
        applies = median([a for _, a in timings])
        total = median([c + a for c, a in timings])
        verdict = "meets" if total < goal else "MISSES"
        print(f"  {label:<22} {checks:6.2f} s {applies:8.2f} s {total:8.2f} s   "
              f"{verdict} the goal of {goal:.0f} s ({total / goal:.0%} of it)")  # fmt: skip

    print(f"  {'median of':<22} {'check':>8} {'apply':>10} {'total':>10}")
    line(f"first import (x{len(firsts)})", firsts, 10.0)
    line(f"re-import (x{len(agains)})", agains, 3.0)
    print(
        f"  {'5% changed, 1% gone':<22} {check:6.2f} s {apply:8.2f} s {check + apply:8.2f} s"
        f"   ({report['changed']} changed, {report['leaving']} left, {on_roll:,} on roll)"
    )
    everyone_total = everyone[0] + everyone[1]
    print(
        f"  {'every pupil moves form':<22} {everyone[0]:6.2f} s {everyone[1]:8.2f} s "
        f"{everyone_total:8.2f} s   ({everyone[2]['changed']} changed, as each September)"
    )
    ratio = median([c + a for c, a in agains]) / median([c + a for c, a in firsts])
    print(f"\nRe-import / first import: {ratio:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
