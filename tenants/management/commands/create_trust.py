from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tenants.errors import TenancyError
from tenants.services import create_trust


class Command(BaseCommand):
    help = "Register a multi-academy trust that schools can belong to."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)

    def handle(self, *args, **options) -> None:
        try:
            trust = create_trust(slug=options["slug"], name=options["name"])
        except TenancyError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"Created trust {trust.name} ({trust.slug})"))
