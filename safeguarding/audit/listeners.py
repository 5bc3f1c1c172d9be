"""Sign-ins, sign-outs, lockouts and second-factor changes reach the school's audit log
from the signals Django, django-axes and accounts.factors send, whichever view caused them.
On the platform host `record` writes nothing: operators are audited elsewhere."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from accounts.factors import factor_changed
from accounts.signals import password_set
from safeguarding.audit.models import AuditAction
from safeguarding.audit.services import record

_FACTOR_ACTIONS = {
    "added": AuditAction.SECOND_FACTOR_ADDED,
    "removed": AuditAction.SECOND_FACTOR_REMOVED,
    "verified": AuditAction.SECOND_FACTOR_VERIFIED,
    "failed": AuditAction.SECOND_FACTOR_FAILED,
}


def _logged_in(sender, request, user, **kwargs) -> None:
    record(action=AuditAction.LOGIN, actor=user, request=request)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(action=AuditAction.LOGOUT, actor=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    record(
        action=AuditAction.LOGIN_FAILED,
        actor_label=str(credentials.get("username", "")),
        request=request,
    )


def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    record(action=AuditAction.LOCKED_OUT, actor_label=str(username or ""), request=request)


def _factor_changed(sender, user, actor, change, device, request=None, **kwargs) -> None:
    record(
        action=_FACTOR_ACTIONS[change],
        actor=actor,
        object_type="staff",
        object_id=user.pk,
        request=request,
        detail={"kind": sender.__name__.lower()[:40]},
    )


def _password_set(sender, user, request, how, **kwargs) -> None:
    action = AuditAction.PASSWORD_RESET if how == "reset" else AuditAction.PASSWORD_CHANGED
    record(action=action, actor=user, request=request)


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="audit.logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="audit.login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="audit.locked_out")
    factor_changed.connect(_factor_changed, dispatch_uid="audit.factor_changed")
    password_set.connect(_password_set, dispatch_uid="audit.password_set")
