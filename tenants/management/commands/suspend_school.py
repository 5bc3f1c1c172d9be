from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from console.lifecycle import CLI, suspend
from tenants.errors import TenancyError
from tenants.selectors import get_school


class Command(BaseCommand):
    help = "Put a school's site behind a notice page. Its records are kept untouched."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--reason", required=True)

    def handle(self, *args, **options) -> None:
        try:
            school = suspend(school=get_school(options["slug"]), by=CLI, reason=options["reason"])
        except TenancyError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"Suspended {school.name}."))
