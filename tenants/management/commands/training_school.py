"""haven training-school --school abbey [--reset [--yes]]"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from tenants.errors import TenancyError
from tenants.models import School
from tenants.selectors import get_school
from tenants.services import school_url
from tenants.slugs import training_slug_for
from tenants.training import (
    TrainingCopy,
    TrainingCopyExists,
    create_training_school,
    training_copy_of,
)


class Command(BaseCommand):
    help = (
        "Make a school's training copy (<slug>-training): made-up pupils and incidents, "
        "a permanent TRAINING banner, and trainee logins sharing one new password."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--school", required=True, help="The real school's slug.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Drop the existing training copy, with everything done in it, and make a new one.",
        )
        parser.add_argument("--yes", action="store_true", help="With --reset: do not ask.")

    def handle(self, *args, **options) -> None:
        try:
            school = get_school(options["school"])
            if options["reset"]:
                self._confirm_reset(school, options["yes"])
            made = create_training_school(school, reset=options["reset"])
        except TrainingCopyExists as error:
            raise CommandError(
                f"{error.message} To do that: haven training-school --school {school.slug} --reset"
            ) from None
        except TenancyError as error:
            raise CommandError(error.message) from None
        self._report(school, made)

    def _confirm_reset(self, school: School, yes: bool) -> None:
        """Trainees may be using the copy right now: ask for its slug, or --yes."""
        copy = training_copy_of(school)
        if yes or copy is None:
            return
        warning = (
            f"This drops {school.name}'s training copy at {school_url(copy)}, with everything "
            "trainees did in it, and makes a new one."
        )
        if not sys.stdin.isatty():
            raise CommandError(f"{warning} Pass --yes to go ahead. Nothing was changed.")
        self.stdout.write(warning)
        slug = training_slug_for(school.slug)
        try:
            typed = input(f"Type the training copy's slug ({slug}) to go ahead: ").strip()
        except (EOFError, KeyboardInterrupt):
            typed = ""
        if typed != slug:
            raise CommandError("Nothing was changed.")

    def _report(self, school: School, made: TrainingCopy) -> None:
        verb = "Re-created" if made.replaced else "Created"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} the training copy of {school.name} at {made.url} "
                f"in {made.seconds:.1f} s: {made.pupils} made-up pupils and "
                f"{made.incidents} incidents, nothing from {school.name}."
            )
        )
        self.stdout.write("\nTrainee logins, all with the same password:")
        for login in made.logins:
            self.stdout.write(f"  {login.role:<20} {login.email}")
        self.stdout.write(f"\n  Password: {made.password}")
        self.stdout.write(
            "\nHaven keeps no copy of this password: note it now. "
            "Run again with --reset for a new copy and a new password."
        )
