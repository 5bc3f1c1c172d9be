"""The safeguarding team's pages for the school's staff and sign-in rules: invite, change
role, deactivate and bring back, remove a lost phone, and the password and idle-time
policy. Administrators only; for anyone else these pages do not exist (404)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import factors
from accounts.errors import AccountError
from accounts.models import SecuritySettings, User
from safeguarding.access import policy
from safeguarding.access.models import Role
from safeguarding.audit.models import AuditAction
from safeguarding.audit.services import record
from safeguarding.concerns.forms import to_int
from safeguarding.errors import NotFound, NotPermitted
from safeguarding.people import services
from safeguarding.web import school_view


def _admin_only(request: HttpRequest) -> None:
    if not policy.may_manage_school(request.viewer):
        raise NotFound("No such page.")


@school_view
def staff_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        role = Role.objects.filter(pk=to_int(request.POST.get("role"))).first()
        if role is None:
            errors["role"] = "Choose a role."
        else:
            try:
                member = services.invite_staff(
                    email=request.POST.get("email", ""),
                    full_name="".join(
                        c for c in request.POST.get("full_name", "")[:150] if c.isprintable()
                    ),
                    role=role,
                    site_name=request.school.name,
                    site_url=settings.CONFIG.school_url(request.school.slug),
                    request=request,
                )
            except AccountError as error:
                errors[error.field] = error.message
            else:
                messages.success(request, f"An invitation is on its way to {member.email}.")
                return redirect("staff:list")
    staff = User.objects.filter(staff_profile__isnull=False).select_related("staff_profile__role")
    return render(
        request,
        "people/staff.html",
        {"staff": staff.order_by("-is_active", "full_name", "email"), "roles": Role.objects.all(),
         "errors": errors, "data": request.POST},
        status=400 if errors else 200,
    )  # fmt: skip


@school_view
def staff_member(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    member = (
        User.objects.filter(pk=pk, staff_profile__isnull=False)
        .select_related("staff_profile__role")
        .first()
    )
    if member is None:
        raise NotFound("No such member of staff.")
    if request.method == "POST":
        try:
            _staff_command(request, member)
        except NotPermitted as refusal:
            messages.error(request, str(refusal))
        return redirect("staff:member", pk=member.pk)
    return render(
        request,
        "people/staff_member.html",
        {
            "member": member,
            "roles": Role.objects.all(),
            "devices": [
                (factors.kind_of(device), factors.LABELS[factors.kind_of(device)], device)
                for device in factors.factors_of(member)
            ],
        },
    )


def _staff_command(request: HttpRequest, member: User) -> None:
    command, actor = request.POST.get("command"), request.user
    if command == "role":
        role = Role.objects.filter(pk=to_int(request.POST.get("role"))).first()
        if role is None:
            raise NotPermitted("Choose a role.")
        services.change_role(member=member, role=role, actor=actor, request=request)
        messages.success(request, f"{member.get_full_name()} now has the role {role.name}.")
    elif command == "deactivate" and request.POST.get("confirm") != "on":
        raise NotPermitted("Tick the box to confirm, then deactivate.")
    elif command in ("deactivate", "reactivate"):
        services.set_active(
            member=member, active=command == "reactivate", actor=actor, request=request
        )
        messages.success(
            request,
            f"{member.get_full_name()} can no longer sign in; what they recorded stays."
            if command == "deactivate"
            else f"{member.get_full_name()} can sign in again.",
        )
    elif command == "remove_device":
        kind = request.POST.get("kind", "")
        device = factors.factor_of(member, kind=kind, pk=to_int(request.POST.get("device")))
        if device is None or kind == "codes":
            raise NotPermitted("That device is already gone.")
        factors.remove(device, actor=actor, request=request)
        messages.success(request, f"{device.name} no longer verifies {member.get_full_name()}.")
    else:
        raise NotPermitted("Nothing was changed.")


@school_view
def security(request: HttpRequest) -> HttpResponse:
    """The school's password and session rules, with the seeds' defaults and a one-click
    OWASP ASVS preset."""
    _admin_only(request)
    rules = SecuritySettings.current()
    errors: list[str] = []
    if request.method == "POST":
        preset = request.POST.get("preset")
        if preset in SecuritySettings.PRESETS:
            rules.preset = preset
            for field, value in SecuritySettings.PRESETS[preset].items():
                setattr(rules, field, value)
        else:
            rules.preset = SecuritySettings.Preset.CUSTOM
            for field in ("min_length", "expiry_days", "session_timeout_minutes"):
                setattr(rules, field, to_int(request.POST.get(field)))
            rules.require_character_kinds = request.POST.get("require_character_kinds") == "on"
        try:
            rules.full_clean()
        except ValidationError as invalid:
            errors = [f"{SecuritySettings._meta.get_field(f).verbose_name}: {m}"
                      for f, ms in invalid.message_dict.items() for m in ms]  # fmt: skip
        else:
            with transaction.atomic():
                rules.save()
                record(
                    action=AuditAction.SECURITY_SETTINGS_CHANGED,
                    request=request,
                    detail={
                        "preset": rules.preset,
                        "min_length": rules.min_length,
                        "kinds": rules.require_character_kinds,
                        "expiry_days": rules.expiry_days,
                        "idle_minutes": rules.session_timeout_minutes,
                    },
                )
            messages.success(
                request, "Saved. New passwords follow these rules; idle time applies from each "
                "person's next sign-in."
            )  # fmt: skip
            return redirect("staff:security")
    return render(
        request,
        "people/security.html",
        {"rules": rules, "errors": errors, "presets": SecuritySettings.Preset},
        status=400 if errors else 200,
    )
