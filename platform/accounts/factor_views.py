"""Pages for a person's own second factors, and "Elevate my access"; and the JSON
endpoints the security-key script calls, which are django-otp-webauthn's views made to
follow Haven's rules (accounts.passkeys)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions

from accounts import factors, passkeys
from accounts.models import User
from haven.access import signed_in
from haven.clients import same_host_target

_webauthn_log = logging.getLogger("django_otp_webauthn")


def _verified_or_without_factor(request: HttpRequest) -> bool:
    return request.user.is_verified() or not factors.has_factor(request.user)


def _elevate_first(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Verify your second factor first.")
    return redirect(f"{reverse('accounts:elevate')}?next={reverse('accounts:factors')}")


@signed_in
def factor_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/factors.html",
        {
            "rows": [_row(device) for device in factors.factors_of(request.user)],
            "codes_left": factors.backup_codes_left(request.user),
            "verified": request.user.is_verified(),
        },
    )


def _row(device: Device) -> tuple[Device, str, str]:
    """A factor with the word for its kind in addresses and its kind's name on the page."""
    kind = factors.kind_of(device)
    return device, kind, factors.LABELS[kind]


@signed_in
def add_authenticator(request: HttpRequest) -> HttpResponse:
    """Two steps on one page: name the device and see its QR code, then confirm a code."""
    if not _verified_or_without_factor(request):
        return _elevate_first(request)
    context: dict = {}
    if request.method == "POST" and request.POST.get("step") == "start":
        try:
            context["enrolment"] = factors.start_totp(
                request.user, name=request.POST.get("name", "")
            )
        except factors.FactorError as error:
            context["name_error"] = str(error)
    elif request.method == "POST":
        device = TOTPDevice.objects.filter(
            user=request.user, confirmed=False, pk=_int(request.POST.get("device"))
        ).first()
        if device is None:
            context["name_error"] = "That set-up has expired. Start again."
        else:
            try:
                codes = factors.confirm_totp(request, device, request.POST.get("code", ""))
            except factors.FactorError as error:
                context.update(enrolment=factors.enrolment(device), code_error=str(error))
            else:
                messages.success(request, f"{device.name} is set up, and this session is verified.")
                if codes:
                    return render(request, "accounts/backup_codes.html", {"codes": codes})
                return redirect("accounts:factors")
    return render(request, "accounts/add_authenticator.html", context)


@signed_in
def add_security_key(request: HttpRequest) -> HttpResponse:
    """Name a security key or passkey; the page's script then asks the browser to make it
    (KeyRegistrationStart and KeyRegistrationFinish below)."""
    if not _verified_or_without_factor(request):
        return _elevate_first(request)
    return render(request, "accounts/add_security_key.html")


@signed_in
def fresh_backup_codes(request: HttpRequest) -> HttpResponse:
    """The backup codes that came with a first security key, shown once."""
    codes = request.session.pop(passkeys.NEW_CODES_KEY, None)
    if not codes:
        return redirect("accounts:factors")
    return render(request, "accounts/backup_codes.html", {"codes": codes})


@signed_in
@require_POST
def new_backup_codes(request: HttpRequest) -> HttpResponse:
    if not factors.has_factor(request.user):
        messages.error(
            request, "Set up an authenticator app or a security key before backup codes."
        )
        return redirect("accounts:factors")
    if not request.user.is_verified():
        return _elevate_first(request)
    return render(
        request, "accounts/backup_codes.html", {"codes": factors.new_backup_codes(request.user)}
    )


@signed_in
def remove_factor(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    device = factors.factor_of(request.user, kind=kind, pk=pk)
    if device is None:
        raise Http404("Not found")
    if not request.user.is_verified():
        return _elevate_first(request)
    if request.method == "POST":
        factors.remove(device, actor=request.user, request=request)
        messages.success(request, f"{device.name} was removed.")
        return redirect("accounts:factors")
    return render(request, "accounts/remove_factor.html", {"device": device})


@signed_in
def elevate(request: HttpRequest) -> HttpResponse:
    """Verify a second factor for this session: the CPOMS Authenticator's "elevate"."""
    return verify_page(
        request, template="accounts/elevate.html", next_url=_safe_next(request), announce=True
    )


def verify_page(
    request: HttpRequest,
    *,
    template: str,
    next_url: str,
    announce: bool = False,
    refused_status: int = 400,
) -> HttpResponse:
    """Verify a second factor for this session, then go on to `next_url`; the one flow
    behind staff's "elevate" and the pages trust leads and operators must pass first.
    `template` includes accounts/_verify_factor.html, or offers to set a factor up."""
    if request.user.is_verified():
        return redirect(next_url)
    error = ""
    if request.method == "POST":
        try:
            factors.verify(request, request.POST.get("code", ""))
        except factors.FactorError as refusal:
            error = str(refusal)
        else:
            if announce:
                messages.success(request, "Your access is elevated for this session.")
            return redirect(next_url)
    return render(
        request,
        template,
        {
            "error": error,
            "next": next_url,
            "has_factor": factors.has_factor(request.user),
            "has_app": factors.has_app(request.user),
            "has_key": factors.has_key(request.user),
            "codes_left": factors.backup_codes_left(request.user),
        },
        status=refused_status if error else 200,
    )


def _safe_next(request: HttpRequest) -> str:
    return same_host_target(request, request.POST.get("next") or request.GET.get("next"))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 18 else None


# Haven's words for the library's refusals, by its error code: people read these.
_KEY_REFUSALS = {
    "not_authenticated": "You are signed out. Sign in again, then try once more.",
    "user_not_verified": "Verify this session with your second factor first, then add another.",
    "invalid_state": "That took too long, or the page was used twice. Try again.",
    "credential_not_found": (
        "That security key is not set up for you at this school. Use a key you added here, "
        "or a code."
    ),
    "credential_user_mismatch": (
        "That security key is not set up for you at this school. Use a key you added here, "
        "or a code."
    ),
    "credential_disabled": "That security key has been turned off. Use another, or a code.",
    "user_disabled": "Your account has been turned off. Ask your DSL.",
    "passwordless_login_disabled": "Sign in with your password first.",
    "malformed_request": "Your browser sent something Haven could not read. Try again.",
}
_KEY_FAILED = "Your security key's answer could not be checked. Try again, or use a code."


class _KeyCeremony:
    """What every security-key endpoint adds to the library's view: only a person signed
    in on this host (never a passwordless sign-in), and refusals in Haven's words."""

    haven_access = "signed in"

    def initial(self, request, *args, **kwargs) -> None:
        if not request.user.is_authenticated:
            raise webauthn_errors.NotAuthenticated()
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, webauthn_errors.OTPWebAuthnApiError):
            if exc.code in _KEY_REFUSALS:
                exc.detail = _KEY_REFUSALS[exc.code]
            elif isinstance(exc, webauthn_errors.UnprocessableEntity):
                exc.detail = _KEY_FAILED
        return super().handle_exception(exc)


class KeyRegistrationStart(_KeyCeremony, webauthn_views.BeginCredentialRegistrationView):
    """The options for the browser to make a new key, for this host only, leaving out the
    person's keys already registered. Refused to a session that has a factor but has not
    verified it: a stolen password must never enrol the thief's key."""

    def user_is_mfa_enrolled(self, user: User) -> bool:
        return factors.has_factor(user)

    def post(self, *args, **kwargs) -> HttpResponse:
        try:
            name = factors.device_name(_field(self.request, "name"), example="My security key")
        except factors.FactorError as refusal:
            raise passkeys.Refused(detail=str(refusal), code="name") from None
        self.request.session[passkeys.NAME_KEY] = name
        return super().post(*args, **kwargs)


class KeyRegistrationFinish(_KeyCeremony, webauthn_views.CompleteCredentialRegistrationView):
    """Check the browser's answer, keep the key under its name and verify this session with
    it, through the same path as a code (accounts.factors)."""

    def user_is_mfa_enrolled(self, user: User) -> bool:
        return factors.has_factor(user)

    def post(self, *args, **kwargs) -> HttpResponse:
        name = self.request.session.pop(passkeys.NAME_KEY, None)
        state = self.get_state()  # popped and saved first: a state is never used twice
        if not name:
            raise webauthn_errors.InvalidState()
        try:
            with transaction.atomic():
                with rewrite_exceptions(logger=_webauthn_log):
                    device = self.get_helper().register_complete(
                        user=self.request.user, state=state, data=_credential(self.request)
                    )
                codes = factors.add_key(self.request, device, name=name)
        except IntegrityError:
            # Keys are unique by credential id; a browser never offers a key twice, so this
            # is a replayed or forged answer naming someone's key already kept here.
            raise passkeys.Refused(
                detail="That security key is already set up here.", code="known"
            ) from None
        messages.success(self.request, f"{device.name} is set up, and this session is verified.")
        if codes:
            self.request.session[passkeys.NEW_CODES_KEY] = codes
            return JsonResponse({"id": device.pk, "redirect_url": reverse("accounts:new_codes")})
        return JsonResponse({"id": device.pk, "redirect_url": reverse("accounts:factors")})


class KeyVerificationStart(_KeyCeremony, webauthn_views.BeginCredentialAuthenticationView):
    """The challenge for elevating with a key, naming only the person's own keys."""

    def check_can_authenticate(self) -> None:
        super().check_can_authenticate()
        if not factors.has_key(self.request.user):
            raise passkeys.Refused(
                detail="You have no security key set up here. Use a code instead.",
                code="no_key",
            )


class KeyVerificationFinish(_KeyCeremony, webauthn_views.CompleteCredentialAuthenticationView):
    """Check the key's signature for this host and this person, then verify the session
    exactly as a code does: new session id, and the audit hears of it."""

    def complete_auth(self, device: WebAuthnCredential) -> None:
        try:
            factors.verify_key(self.request, device)
        except factors.FactorError as refusal:
            raise passkeys.Refused(detail=str(refusal)) from None
        messages.success(self.request, "Your access is elevated for this session.")

    def get_success_url(self) -> str:
        return _safe_next(self.request)


def _field(request: HttpRequest, name: str) -> str:
    data = request.data
    value = data.get(name) if hasattr(data, "get") else None
    return value if isinstance(value, str) else ""


def _credential(request: HttpRequest) -> dict:
    """The browser's answer, with a malformed optional part dropped rather than failing
    deep inside the library."""
    data = request.data if isinstance(request.data, dict) else {}
    if not isinstance(data.get("clientExtensionResults", {}), dict):
        data = {key: value for key, value in data.items() if key != "clientExtensionResults"}
    return data
