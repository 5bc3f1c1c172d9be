from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tenants.errors import TenancyError
from tenants.selectors import get_school
from tenants.services import resend_invitation


class Command(BaseCommand):
    help = "Email a new set-password link to someone at a school who has not yet used theirs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--slug", required=True, help="The school's slug.")
        parser.add_argument("--email", required=True, help="The person's email address.")

    def handle(self, *args, **options) -> None:
        try:
            user = resend_invitation(school=get_school(options["slug"]), email=options["email"])
        except TenancyError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"A new invitation was emailed to {user.email}."))
