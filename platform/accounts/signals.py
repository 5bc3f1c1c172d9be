"""What happens around a sign-in and a new second factor, whichever view (or test client)
caused it."""

from __future__ import annotations

import logging
import smtplib

from django.contrib.auth.signals import user_logged_in
from django.core.mail import send_mail
from django.db import connection, transaction
from django.dispatch import Signal
from django.template.loader import render_to_string

from accounts import sessions

logger = logging.getLogger(__name__)

# Sent once a person's password is set: kwargs user, request, how ("changed" | "reset").
password_set = Signal()


def _start_session(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session, user)


def _tell_owner_of_new_factor(sender, user, change, device, **kwargs) -> None:
    """A first factor can be added with the password alone: if that was not its owner,
    this email is how they find out."""
    if change != "added":
        return
    from accounts.factors import LABELS, kind_of

    site_name = getattr(connection.tenant, "name", "") or "the Haven platform"
    body = render_to_string(
        "accounts/email/factor_added.txt",
        {
            "user": user,
            "site_name": site_name,
            "device_name": device.name,
            "kind": LABELS[kind_of(device)].lower(),
        },
    )
    email = user.email

    def deliver() -> None:
        try:
            send_mail("A second factor was added to your Haven account", body, None, [email])
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("Could not email a new-factor notice (%s)", error)

    transaction.on_commit(deliver)


def connect() -> None:
    from accounts.factors import factor_changed

    user_logged_in.connect(_start_session, dispatch_uid="accounts.start_session")
    factor_changed.connect(_tell_owner_of_new_factor, dispatch_uid="accounts.new_factor_mail")
