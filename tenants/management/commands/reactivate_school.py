from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from console.lifecycle import CLI, reactivate
from tenants.errors import TenancyError
from tenants.selectors import get_school


class Command(BaseCommand):
    help = "Open a suspended school's site again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument(
            "--reason", required=True, help="Why it is reactivated, for the operators' audit."
        )

    def handle(self, *args, **options) -> None:
        try:
            school = reactivate(
                school=get_school(options["slug"]), by=CLI, reason=options["reason"]
            )
        except TenancyError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"Reactivated {school.name}."))
