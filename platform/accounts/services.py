"""Writes to accounts: creating people and inviting them to choose a password."""

from __future__ import annotations

import logging
import smtplib

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tenants.utils import get_public_schema_name

from accounts.errors import EmailTaken, InvalidEmail
from accounts.models import User, normalise_email

logger = logging.getLogger(__name__)


def clean_email(email: str) -> str:
    """The normalised address, or InvalidEmail saying what is wrong with it."""
    email = normalise_email(email or "")
    if not email:
        raise InvalidEmail("Enter an email address.")
    if len(email) > 254 or "\x00" in email:
        raise InvalidEmail(
            "That is not a valid email address: it is too long or has odd characters."
        )
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidEmail(f"{email!r} is not a valid email address.") from None
    return email


def create_user(
    *, email: str, full_name: str = "", password: str | None = None, is_operator: bool = False
) -> User:
    """An account on the current host's schema; without a password it can only be claimed
    through an invitation link."""
    email = clean_email(email)
    if User.objects.filter(email=email).exists():
        raise EmailTaken(f"There is already an account for {email}.")
    return User.objects.create_user(
        email, password, full_name=full_name.strip(), is_operator=is_operator
    )


def create_operator(*, email: str, full_name: str = "", password: str | None = None) -> User:
    """A platform operator: lives in the public schema and never in a school's."""
    if connection.schema_name != get_public_schema_name():
        raise RuntimeError("Operators are created in the public schema only.")
    return create_user(email=email, full_name=full_name, password=password, is_operator=True)


def invitation_path(user: User) -> str:
    """A one-time link: the token is bound to the password hash, so it dies once used."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})


def send_invitation(*, user: User, site_name: str, site_url: str) -> None:
    """Email the invitation once the account is committed. The message names the school
    and the link only: nothing about any pupil. A mail server that fails then cannot undo
    the account; it is logged, and `haven resend-invitation` sends it again."""
    link = site_url.rstrip("/") + invitation_path(user)
    body = render_to_string(
        "accounts/email/invitation.txt", {"site_name": site_name, "link": link, "user": user}
    )

    def deliver() -> None:
        try:
            send_mail(f"Your Haven account for {site_name}", body, None, [user.email])
        except (smtplib.SMTPException, OSError) as error:
            logger.warning(
                "Could not email the invitation for %s to %s (%s); the account is kept. "
                "Send it again with `haven resend-invitation`.",
                site_name, user.email, error,
            )  # fmt: skip

    transaction.on_commit(deliver)
