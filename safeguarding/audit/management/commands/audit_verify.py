"""haven audit-verify [--school abbey]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from safeguarding.audit.verify import verify_and_anchor
from tenants.errors import TenancyError
from tenants.selectors import get_school, schools_with_schemas


class Command(BaseCommand):
    help = (
        "Check that a school's audit log (or every school's) is whole: no entry edited, "
        "deleted or reordered. Exits 1 if any is broken."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--school", help="The school's slug; every school when left out.")

    def handle(self, *args, **options) -> None:
        if options["school"]:
            try:
                schools = [get_school(options["school"])]
            except TenancyError as error:
                raise CommandError(error.message) from None
        else:
            schools = list(schools_with_schemas().order_by("name"))
            if not schools:
                self.stdout.write("No schools yet, so no audit logs to check.")
                return
        broken = 0
        for school in schools:
            with school:
                report = verify_and_anchor(school)
            if report.intact:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Audit log of {school.slug}: {_entries(report.entries)}, chain intact."
                    )
                )
            else:
                broken += 1
                self.stderr.write(
                    f"Audit log of {school.slug}: BROKEN at entry {report.broken_at}: "
                    f"{report.problem} {_intact_before(report.entries)}".rstrip()
                )
        if broken:
            raise CommandError(
                f"The audit log of {schools[0].slug} is broken."
                if len(schools) == 1
                else f"{broken} of {len(schools)} schools have a broken audit log."
            )


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def _intact_before(count: int) -> str:
    if count == 0:
        return ""
    return "Entry 1 is intact." if count == 1 else f"Entries 1 to {count} are intact."
