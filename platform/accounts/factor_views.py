"""Pages for a person's own second factors, and "Elevate my access"."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import factors
from haven.access import signed_in


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
            "devices": factors.factors_of(request.user),
            "codes_left": factors.backup_codes_left(request.user),
            "verified": request.user.is_verified(),
        },
    )


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
@require_POST
def new_backup_codes(request: HttpRequest) -> HttpResponse:
    if not factors.has_factor(request.user):
        messages.error(request, "Set up an authenticator app before backup codes.")
        return redirect("accounts:factors")
    if not request.user.is_verified():
        return _elevate_first(request)
    return render(
        request, "accounts/backup_codes.html", {"codes": factors.new_backup_codes(request.user)}
    )


@signed_in
def remove_factor(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = {"app": TOTPDevice, "codes": StaticDevice}.get(kind)
    device = model and model.objects.filter(user=request.user, pk=pk, confirmed=True).first()
    if device is None:
        raise Http404("Not found")
    if not request.user.is_verified():
        return _elevate_first(request)
    if request.method == "POST":
        factors.remove(device, actor=request.user)
        messages.success(request, f"{device.name} was removed.")
        return redirect("accounts:factors")
    return render(request, "accounts/remove_factor.html", {"device": device})


@signed_in
def elevate(request: HttpRequest) -> HttpResponse:
    """Verify a second factor for this session: the CPOMS Authenticator's "elevate"."""
    next_url = _safe_next(request)
    if request.user.is_verified():
        return redirect(next_url)
    error = ""
    if request.method == "POST":
        try:
            factors.verify(request, request.POST.get("code", ""))
        except factors.FactorError as refusal:
            error = str(refusal)
        else:
            messages.success(request, "Your access is elevated for this session.")
            return redirect(next_url)
    return render(
        request,
        "accounts/elevate.html",
        {
            "error": error,
            "next": next_url,
            "has_factor": factors.has_factor(request.user),
            "codes_left": factors.backup_codes_left(request.user),
        },
        status=400 if error else 200,
    )


def _safe_next(request: HttpRequest) -> str:
    """Only a path on this very host: `next=` is never an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 18 else None
