"""haven demo-data --school abbey --pupils 1200 --incidents 20000"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from safeguarding.demo_data import PHASES, generate
from tenants.errors import TenancyError
from tenants.selectors import get_school


class Command(BaseCommand):
    help = "Add synthetic pupils, staff and incidents to a school (never real people)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--school", required=True, help="The school's slug.")
        parser.add_argument("--pupils", type=int, default=300)
        parser.add_argument("--incidents", type=int, default=1000)
        parser.add_argument("--phase", choices=list(PHASES), default="secondary")
        parser.add_argument("--seed", type=int, help="Repeat the same data.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: incidents can never be deleted."
        )

    def handle(self, *args, **options) -> None:
        if options["pupils"] < 1 or options["incidents"] < 0:
            raise CommandError("--pupils must be at least 1 and --incidents at least 0.")
        try:
            school = get_school(options["school"])
        except TenancyError as error:
            raise CommandError(error.message) from None
        self._confirm(school, options)
        started = time.monotonic()
        with school:
            try:
                made = generate(
                    pupils=options["pupils"],
                    incidents=options["incidents"],
                    phase=options["phase"],
                    seed=options["seed"],
                    progress=lambda message: self.stdout.write(f"  {message}"),
                )
            except ValueError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {made.pupils} pupils, {made.staff} staff, {made.incidents} incidents "
                f"and {made.actions} actions to {school.name} in "
                f"{time.monotonic() - started:.1f} s."
            )
        )

    def _confirm(self, school, options) -> None:
        """Submitted incidents can never be deleted, so demo incidents added to a real school
        would stay in it for good: ask for the slug, or --yes."""
        if options["yes"] or not options["incidents"]:
            return
        warning = (
            f"This adds {options['incidents']} synthetic incidents to {school.name}. "
            "Incidents can never be deleted."
        )
        if not sys.stdin.isatty():
            raise CommandError(f"{warning} Pass --yes to go ahead.")
        self.stdout.write(warning)
        try:
            typed = input(f"Type the school's slug ({school.slug}) to go ahead: ").strip()
        except (EOFError, KeyboardInterrupt):
            typed = ""
        if typed != school.slug:
            raise CommandError("Nothing was added.")
