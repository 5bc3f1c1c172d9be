"""Exporting the chronology of a pupil with 500 entries, as PDF and as CSV.

    python bench/records.py [--runs 20]

On a throwaway database (DATABASE_URL's server, or embedded PostgreSQL): a school, and a
pupil with 250 incidents each with an action (as bench/incidents.py builds one), every
other incident naming a linked pupil so that the redaction runs too. Times what the export
page does, in process: read through the policy, then render. Prints medians and p95s.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import median, percentile, throwaway_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed exports of each kind")
    options = parser.parse_args()
    with throwaway_database("haven_bench_records") as where:
        school, pupil_id, dsl_id = _prepare()
        print(f"PostgreSQL ({where}); {options.runs} timed runs of each, after 2 to warm up")
        _measure(school, pupil_id, dsl_id, options.runs)
    return 0


def _prepare():
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from safeguarding.access.models import Role
    from safeguarding.concerns.models import (
        Action,
        Category,
        Incident,
        IncidentCategory,
        LinkedPupil,
    )
    from safeguarding.people.models import Pupil
    from safeguarding.people.services import create_staff_profile
    from tenants.schemas import migrate_all_schemas
    from tenants.services import onboard_school

    migrate_all_schemas(verbosity=0)
    school = onboard_school(slug="bench", name="Bench High", admin_email="d@bench.example",
                            template="secondary").school  # fmt: skip
    with school:
        dsl = User.objects.create_user("dsl@bench.example", full_name="Bench Lead")
        create_staff_profile(user=dsl, role=Role.objects.get(name="Safeguarding team"))
        pupil, other = (
            Pupil.objects.create(
                upn=f"B00000000000{n}",
                legal_first_name=first,
                legal_last_name="Benchmark",
                date_of_birth=datetime.date(2012, 1, 1),
            )
            for n, first in ((1, "Aster"), (2, "Briar"))
        )
        category = Category.objects.get(name="Behaviour")
        # One transaction: an incident's categories join it only in the one that records it.
        with transaction.atomic():
            start = timezone.now() - datetime.timedelta(days=600)
            incidents = Incident.objects.bulk_create(
                Incident(pupil=pupil, recorded_by=dsl,
                         text=f"Chronology entry {n}. " + ("Briar Benchmark was there. " if n % 2
                              else "") + "Said she had not eaten since yesterday. " * 3,
                         occurred_at=start + datetime.timedelta(hours=n))
                for n in range(250)
            )  # fmt: skip
            IncidentCategory.objects.bulk_create(
                IncidentCategory(incident=i, category=category) for i in incidents
            )
            LinkedPupil.objects.bulk_create(
                LinkedPupil(incident=i, pupil=other, role="witness") for i in incidents[1::2]
            )
            Action.objects.bulk_create(
                Action(incident=i, kind="note", text="Followed up with home.", recorded_by=dsl,
                       occurred_at=i.occurred_at + datetime.timedelta(minutes=20))
                for i in incidents
            )  # fmt: skip
    return school, pupil.pk, dsl.pk


def _measure(school, pupil_id: int, dsl_id: int, runs: int) -> None:
    from pypdf import PdfReader

    from accounts.models import User
    from safeguarding.access.policy import viewer_for
    from safeguarding.concerns.selectors import visible_pupil
    from safeguarding.records.pdf import chronology_pdf
    from safeguarding.records.selectors import ExportFilters, chronology_for_export
    from safeguarding.records.spreadsheet import chronology_csv

    with school:
        user = User.objects.get(pk=dsl_id)
        user.is_verified = lambda: True  # as in a session that verified a second factor
        viewer = viewer_for(user)
        pupil = visible_pupil(viewer, pupil_id)

        def read():
            return chronology_for_export(viewer, pupil, ExportFilters(), school_name=school.name)

        export = read()
        entries = len(export.incidents) + sum(len(i.followups) for i in export.incidents)
        pdf = chronology_pdf(export)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"  {entries} entries; the PDF is {pages} pages, {len(pdf) / 1024:.0f} KB\n")
        rows = [
            ("read (through the policy)", read),
            ("PDF: read and render", lambda: chronology_pdf(read())),
            ("CSV: read and render", lambda: chronology_csv(read())),
        ]
        print(f"  {'':<28}{'median':>10}{'p95':>10}")
        for label, call in rows:
            times = _times(call, runs)
            print(f"  {label:<28}{median(times):>8.1f}ms{percentile(times, 0.95):>8.1f}ms")


def _times(call, runs: int) -> list[float]:
    for _ in range(2):
        call()  # warm up: templates, fonts, the policy's cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


if __name__ == "__main__":
    sys.exit(main())
