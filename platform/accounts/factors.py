"""Second factors (django-otp): authenticator apps (TOTP) with a QR code, security keys and
passkeys (WebAuthn, see accounts.passkeys), and one-time backup codes. A session verified
with one of them may use everything its role allows; without, a role that requires a second
factor is held at write-only (access policy).

A person who already has a factor must verify it before adding or removing one, so a
stolen password alone can never enrol the thief's phone. The first factor can be added
with the password alone: that is how everyone starts, and an email tells its owner.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User

BACKUP_NAME = "Backup codes"
BACKUP_COUNT = 10
TOTP_CODE = re.compile(r"^[0-9]{6}$")
BACKUP_CODE = re.compile(r"^[a-z0-9]{8}$")

# Sent after a factor is added, removed or verified: the audit log listens.
# kwargs: user, actor, change ("added" | "removed" | "verified"), device, and the request that
# caused it (None when there was none), for the address the audit keeps.
factor_changed = Signal()


class FactorError(ValueError):
    pass


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    qr_data_uri: str
    secret: str


# How each kind of factor is named in addresses (`factors/key/3/remove/`) and on pages.
KINDS: dict[str, type[Device]] = {
    "app": TOTPDevice,
    "key": WebAuthnCredential,
    "codes": StaticDevice,
}
LABELS = {"app": "Authenticator app", "key": "Security key or passkey", "codes": "Backup codes"}


def has_factor(user: User) -> bool:
    """An authenticator app or a security key: backup codes are only their spare."""
    return has_app(user) or has_key(user)


def has_app(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_key(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def factors_of(user: User) -> list[Device]:
    """Confirmed authenticator apps, then security keys, then the backup codes (if any),
    each oldest first."""
    apps = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("created_at"))
    keys = list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at"))
    backups = list(StaticDevice.objects.filter(user=user, confirmed=True))
    return apps + keys + backups


def kind_of(device: Device) -> str:
    """The word for this device's kind in addresses: "app", "key" or "codes"."""
    return next(kind for kind, model in KINDS.items() if isinstance(device, model))


def factor_of(user: User, *, kind: str, pk: int | None) -> Device | None:
    """One of the person's own confirmed factors, or None: never someone else's."""
    model = KINDS.get(kind)
    if model is None or pk is None:
        return None
    return model.objects.filter(user=user, pk=pk, confirmed=True).first()


def device_name(name: str, *, example: str) -> str:
    """A person's name for a device, tidied, so they can tell their devices apart."""
    name = " ".join("".join(c for c in str(name or "") if c.isprintable()).split())[:64]
    if not name:
        raise FactorError(f"Give the device a name, such as '{example}'.")
    return name


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def start_totp(user: User, *, name: str) -> Enrolment:
    """A new authenticator, unconfirmed until a code from it comes back."""
    name = device_name(name, example="My phone")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=name, confirmed=False)
    return enrolment(device)


def enrolment(device: TOTPDevice) -> Enrolment:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    secret = base64.b32encode(device.bin_key).decode()
    return Enrolment(
        device=device,
        qr_data_uri="data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode(),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )


def confirm_totp(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the new authenticator with a code from it and verify this session with it.
    The first authenticator comes with backup codes, returned here to show once."""
    code = _digits(code)
    if not TOTP_CODE.match(code):
        raise FactorError("Enter the 6-digit code your authenticator app shows.")
    # A wrong code must leave its mark (the throttle), so no exception inside the block.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk).first()
        if device is None or device.confirmed:
            raise FactorError("This authenticator is already set up, or its set-up expired.")
        accepted = device.verify_token(code)
        if accepted:
            first = not has_factor(device.user)
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = new_backup_codes(device.user) if first else None
    if not accepted:
        _failed(request, device)
        raise FactorError(_wrong_code(device))
    _verified(request, device)
    factor_changed.send(
        TOTPDevice,
        user=device.user,
        actor=device.user,
        change="added",
        device=device,
        request=request,
    )
    return codes


def add_key(request: HttpRequest, device: WebAuthnCredential, *, name: str) -> list[str] | None:
    """Keep a security key the browser has just registered (django-otp-webauthn checked
    its answer) under the person's name for it, and verify this session with it: making it
    proved they hold it. Like the first authenticator, the first key comes with backup
    codes, returned here to show once."""
    with transaction.atomic():
        user = device.user
        first = not has_app(user) and not (
            WebAuthnCredential.objects.filter(user=user, confirmed=True)
            .exclude(pk=device.pk)
            .exists()
        )
        device.name = device_name(name, example="My security key")
        device.save(update_fields=["name"])
        codes = new_backup_codes(user) if first else None
    _verified(request, device)
    factor_changed.send(
        WebAuthnCredential, user=user, actor=user, change="added", device=device, request=request
    )
    return codes


def verify_key(request: HttpRequest, device: WebAuthnCredential) -> None:
    """Verify this session with a security key whose signature django-otp-webauthn has
    checked against this host and the person's own keys: elevation, as with a code."""
    if device.user_id != request.user.pk or not device.confirmed:
        raise FactorError("That security key is not one of yours.")
    _verified(request, device)
    factor_changed.send(
        WebAuthnCredential,
        user=device.user,
        actor=device.user,
        change="verified",
        device=device,
        request=request,
    )


def new_backup_codes(user: User) -> list[str]:
    """Ten fresh one-time codes; any earlier ones stop working."""
    with transaction.atomic():
        # The device stays (a session verified with a backup code stays verified); its
        # codes are replaced.
        device = StaticDevice.objects.filter(user=user).first() or StaticDevice.objects.create(
            user=user, name=BACKUP_NAME, confirmed=True
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def verify(request: HttpRequest, code: str) -> Device:
    """Verify this session with a code from any of the person's factors: elevation."""
    user = request.user
    code = _digits(code).lower()
    kind = (
        TOTPDevice if TOTP_CODE.match(code) else StaticDevice if BACKUP_CODE.match(code) else None
    )
    if kind is None:
        raise FactorError("Enter the 6-digit code from your authenticator app, or a backup code.")
    # A wrong code must leave its mark (the throttle), so no exception inside the block.
    with transaction.atomic():
        devices = list(kind.objects.select_for_update().filter(user=user, confirmed=True))
        accepted = next((device for device in devices if device.verify_token(code)), None)
    if not devices:
        raise FactorError(_no_such_factor(kind, user))
    if accepted is None:
        _failed(request, devices[0])
        raise FactorError(_wrong_code(devices[0]))
    device = accepted
    _verified(request, device)
    factor_changed.send(
        type(device), user=user, actor=user, change="verified", device=device, request=request
    )
    return device


def remove(device: Device, *, actor: User, request: HttpRequest | None = None) -> None:
    """Remove one factor: the person's own (from a verified session) or, by a DSL, a
    member's who lost their phone or key. Removing the last authenticator app or security
    key takes the backup codes with it: they are a spare, not a factor on their own."""
    with transaction.atomic():
        device.delete()
        if not has_factor(device.user):
            StaticDevice.objects.filter(user=device.user).delete()
    factor_changed.send(
        type(device),
        user=device.user,
        actor=actor,
        change="removed",
        device=device,
        request=request,
    )


def _failed(request: HttpRequest, device: Device) -> None:
    """A wrong code is worth knowing about: someone may be guessing."""
    factor_changed.send(
        type(device), user=device.user, actor=device.user, change="failed", device=device,
        request=request,
    )  # fmt: skip


def _verified(request: HttpRequest, device: Device) -> None:
    """The session now rests on more than a password: give it a new id."""
    otp_login(request, device)
    request.session.cycle_key()


def _digits(code: str) -> str:
    return "".join(str(code or "").split())[:32]


def _wrong_code(device: Device) -> str:
    allowed, details = device.verify_is_allowed()
    if not allowed and details and details.get("locked_until"):
        return (
            "That code did not work, and there were several wrong codes: wait a few "
            "seconds and try again."
        )
    return "That code did not work. Check the time on your phone, and use the newest code."


def _no_such_factor(kind: type[Device], user: User) -> str:
    if kind is StaticDevice:
        return "You have no backup codes. Use your authenticator app or security key."
    if has_key(user):
        return "You have no authenticator app set up. Use your security key, or a backup code."
    return "You have no authenticator app set up yet."
