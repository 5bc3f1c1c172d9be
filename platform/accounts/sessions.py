"""What a signed-in session carries beyond Django's own keys: when it was last used, how
long it may sit idle, and whether its password must be changed before anything else."""

from __future__ import annotations

import time
from datetime import timedelta

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from accounts.models import SecuritySettings, User

LAST_SEEN = "haven_seen"
IDLE_LIMIT = "haven_idle_limit"
MUST_CHANGE_PASSWORD = "haven_change_password"  # noqa: S105 (a session key)
# The last-seen time is written at most this often, so most requests write no session.
RESOLUTION = 30


def start(session: SessionBase, user: User) -> None:
    """At sign-in: the school's rules as they stand now hold for the whole session."""
    rules = SecuritySettings.current()
    session[IDLE_LIMIT] = rules.session_timeout_minutes * 60
    session[LAST_SEEN] = int(time.time())
    session[MUST_CHANGE_PASSWORD] = password_expired(user, rules)


def password_expired(user: User, rules: SecuritySettings) -> bool:
    """From the stored date: signing in may have just re-hashed the password in a newer
    scheme, which sets the date on the object in memory without a new password."""
    if not rules.expiry_days:
        return False
    stored = User.objects.filter(pk=user.pk).values_list("password_changed_at", flat=True)
    changed = stored.first() or user.date_joined
    return timezone.now() - changed > timedelta(days=rules.expiry_days)


def idle_for(session: SessionBase, now: float) -> float:
    return now - session.get(LAST_SEEN, now)


def idle_limit(session: SessionBase) -> int:
    return int(session.get(IDLE_LIMIT) or SecuritySettings().session_timeout_minutes * 60)


def touch(session: SessionBase, now: float, *, force: bool = False) -> None:
    if force or now - session.get(LAST_SEEN, 0) >= RESOLUTION:
        session[LAST_SEEN] = int(now)
