from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from accounts.errors import AccountError
from accounts.services import create_operator


class Command(BaseCommand):
    help = "Create a platform operator account (asks for the password)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, **options) -> None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match; nothing was created.")
        try:
            user = create_operator(
                email=options["email"], full_name=options["name"], password=password
            )
        except AccountError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"Created operator {user.email}."))
