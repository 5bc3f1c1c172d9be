"""haven onboard-school --slug abbey --name "Abbey Community College" --trust demo
--admin-email dsl@abbey.example"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safeguarding.setup import DEFAULT_TEMPLATE, TEMPLATE_NAMES
from tenants.errors import TenancyError
from tenants.services import onboard_school


class Command(BaseCommand):
    help = "Register a school, clone its schema from the template and invite its first DSL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--slug", required=True, help="Short name used in the web address.")
        parser.add_argument("--name", required=True, help="The school's full name.")
        parser.add_argument("--admin-email", required=True, help="The first DSL's email.")
        parser.add_argument("--trust", help="Slug of the trust the school belongs to.")
        parser.add_argument(
            "--template",
            default=DEFAULT_TEMPLATE,
            choices=TEMPLATE_NAMES,
            help=f"Starting categories (default: {DEFAULT_TEMPLATE}).",
        )

    def handle(self, *args, **options) -> None:
        try:
            onboarded = onboard_school(
                slug=options["slug"],
                name=options["name"],
                admin_email=options["admin_email"],
                trust=options["trust"],
                template=options["template"],
            )
        except TenancyError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(f"Onboarded {onboarded.school.name} at {onboarded.url}")
        )
        self.stdout.write(
            f"An invitation to set a password was emailed to {onboarded.admin.email}."
        )
        if "filebased" in settings.EMAIL_BACKEND:
            self.stdout.write(
                f"(No mail server is configured: emails are in {settings.EMAIL_FILE_PATH}/)"
            )
