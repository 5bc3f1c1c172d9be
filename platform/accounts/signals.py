"""What happens around a sign-in, whichever view or test client signs someone in."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal

from accounts import sessions

# Sent once a person's password is set: kwargs user, request, how ("changed" | "reset").
password_set = Signal()


def _start_session(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session, user)


def connect() -> None:
    user_logged_in.connect(_start_session, dispatch_uid="accounts.start_session")
