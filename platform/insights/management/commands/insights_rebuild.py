"""`haven insights-rebuild [--school SLUG]`: compute the facts again from the schools'
records, every school or one."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights import services
from tenants.models import School


class Command(BaseCommand):
    help = "Rebuild the trust insights' facts from the schools' records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", metavar="SLUG", help="only this school")

    def handle(self, *args: object, school: str | None = None, **options: object) -> None:
        if school is not None:
            try:
                found = services.school_by_slug(school)
            except services.UnknownSchool as exc:
                raise CommandError(f"{exc} Nothing was rebuilt.") from None
            services.rebuild(found)
            self.stdout.write(f"Rebuilt the facts of {found.slug}.")
            return

        def progress(each: School, done: int, total: int) -> None:
            self.stdout.write(f"[{done}/{total}] {each.slug}")

        count = services.rebuild_all(progress=progress)
        self.stdout.write(f"Rebuilt the facts of {count} school{'s' if count != 1 else ''}.")
