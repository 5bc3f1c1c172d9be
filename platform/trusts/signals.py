"""A trust lead's API tokens end with the credentials they were made under: when the lead's
password changes (set, changed or reset, by whatever path) or a second factor of theirs is
added or removed, every token of theirs is deleted. Connected in TrustsConfig.ready; the
accounts app is not touched."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django_tenants.utils import get_public_schema_name

# Factor kinds whose removal (by accounts.factors.remove, the admin or a queryset) ends
# the tokens. Backup codes go with the last of these.
FACTORS = (TOTPDevice, WebAuthnCredential)


def _on_platform() -> bool:
    # Trust leads and their tokens live in the public schema only.
    return connection.schema_name == get_public_schema_name()


def _end(user_id: int | None, *, factors_changed: bool) -> None:
    if user_id is None or not _on_platform():
        return
    from trusts.services import end_api_tokens

    end_api_tokens(user_id=user_id, factors_changed=factors_changed)


def _password_saved(sender, instance, created, **kwargs) -> None:
    # AbstractBaseUser.set_password keeps the raw password in `_password` until the save
    # that stores it has run: this save stored a new password.
    if not created and getattr(instance, "_password", None) is not None:
        _end(instance.pk, factors_changed=False)


def _password_set(sender, user, **kwargs) -> None:
    _end(user.pk, factors_changed=False)


def _factor_changed(sender, user, change, **kwargs) -> None:
    if change in ("added", "removed"):
        _end(user.pk, factors_changed=True)


def _factor_deleted(sender, instance, **kwargs) -> None:
    if getattr(instance, "confirmed", True):
        _end(instance.user_id, factors_changed=True)


def connect() -> None:
    from accounts.factors import factor_changed
    from accounts.signals import password_set

    post_save.connect(
        _password_saved, sender=get_user_model(), dispatch_uid="trusts.tokens_end_on_password"
    )
    password_set.connect(_password_set, dispatch_uid="trusts.tokens_end_on_password_set")
    factor_changed.connect(_factor_changed, dispatch_uid="trusts.tokens_end_on_factor")
    for kind in FACTORS:
        post_delete.connect(
            _factor_deleted, sender=kind, dispatch_uid=f"trusts.tokens_end_on_{kind.__name__}"
        )
