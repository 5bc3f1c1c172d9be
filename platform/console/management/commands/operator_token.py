from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken

from accounts.models import User, normalise_email


class Command(BaseCommand):
    help = "Issue an API token for a platform operator. It is shown once and stored hashed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)

    def handle(self, *args, **options) -> None:
        email = normalise_email(options["email"])
        operator = User.objects.filter(email=email, is_operator=True, is_active=True).first()
        if operator is None:
            raise CommandError(f"There is no active platform operator with the email {email}.")
        instance, token = AuthToken.objects.create(user=operator)
        self.stdout.write(token)
        # On stderr, so that TOKEN=$(haven operator-token ...) captures the token alone.
        self.stderr.write(f"It expires on {instance.expiry:%Y-%m-%d}.")
