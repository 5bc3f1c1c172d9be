"""The console's pages for suspending, reactivating and offboarding a school: each a form
with its own page (so it works without JavaScript and shows its errors there), calling
console.lifecycle and rendering what it answers."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console import lifecycle, selectors
from console.access import operator_page
from console.lifecycle import LifecycleRefused, OffboardingStarted
from console.models import Offboarding
from tenants.models import School
from tenants.training import training_copy_of


def _school(slug: str) -> School:
    found = selectors.school_by_slug(slug)
    if found is None:
        raise Http404("No such school")
    return found


def _offboarding(pk: int) -> Offboarding:
    found = lifecycle.get_offboarding(pk)
    if found is None:
        raise Http404("No such offboarding")
    return found


def _errors(refusal: LifecycleRefused) -> dict[str, list[str]]:
    field = "__all__" if refusal.field == "non_field_errors" else refusal.field
    return {field: [refusal.message]}


@operator_page()
def suspend(request: HttpRequest, slug: str) -> HttpResponse:
    school = _school(slug)
    errors, reason = {}, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            lifecycle.suspend(school=school, by=request.user, reason=reason)
        except LifecycleRefused as refusal:
            errors = _errors(refusal)
        else:
            messages.success(request, f"{school.name} is suspended.")
            return redirect("console:school", slug=school.slug)
    return render(
        request,
        "console/lifecycle_suspend.html",
        {"school": school, "errors": errors, "reason": reason},
        status=400 if errors else 200,
    )


@operator_page()
def reactivate(request: HttpRequest, slug: str) -> HttpResponse:
    school = _school(slug)
    errors, reason = {}, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            lifecycle.reactivate(school=school, by=request.user, reason=reason)
        except LifecycleRefused as refusal:
            errors = _errors(refusal)
        else:
            messages.success(request, f"{school.name} is active again.")
            return redirect("console:school", slug=school.slug)
    return render(
        request,
        "console/lifecycle_reactivate.html",
        {"school": school, "errors": errors, "reason": reason},
        status=400 if errors else 200,
    )


@operator_page()
def offboard(request: HttpRequest, slug: str) -> HttpResponse:
    """What offboarding does, with the reason to give; the answer shows the passphrase."""
    school = _school(slug)
    errors, reason = {}, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            started = lifecycle.request_offboarding(school=school, by=request.user, reason=reason)
        except LifecycleRefused as refusal:
            errors = _errors(refusal)
        else:
            return _passphrase_page(request, started)
    return render(
        request,
        "console/offboard_confirm.html",
        {
            "school": school,
            "errors": errors,
            "reason": reason,
            "grace_days": lifecycle.grace_days(),
            "offboarding": lifecycle.open_offboarding(school),
            "training_copy": training_copy_of(school),
        },
        status=400 if errors else 200,
    )


@operator_page()
def school_offboarding(request: HttpRequest, slug: str) -> HttpResponse:
    """The school's current offboarding: its panel for htmx, else its page."""
    found = lifecycle.open_offboarding(_school(slug))
    if found is None:
        raise Http404("This school has no offboarding under way")
    if request.headers.get("HX-Request"):
        return render(request, "console/_offboarding_panel.html", _panel_context(request, found))
    return redirect("console:offboarding", pk=found.pk)


@operator_page()
def offboardings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/offboardings.html",
        {"offboardings": list(lifecycle.offboardings()[:500])},
    )


@operator_page()
def offboarding(request: HttpRequest, pk: int) -> HttpResponse:
    found = _offboarding(pk)
    return render(request, "console/offboarding.html", _panel_context(request, found))


@operator_page()
def offboarding_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel alone, for htmx: on the school's page, and polled while exporting."""
    found = _offboarding(pk)
    return render(request, "console/_offboarding_panel.html", _panel_context(request, found))


@operator_page()
def download_export(request: HttpRequest, pk: int) -> HttpResponse:
    found = _offboarding(pk)
    try:
        download = lifecycle.open_export(offboarding=found, by=request.user)
    except LifecycleRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("console:offboarding", pk=found.pk)
    response = FileResponse(
        download.file,
        as_attachment=True,
        filename=download.filename,
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@operator_page()
def retry_export(request: HttpRequest, pk: int) -> HttpResponse:
    found = _offboarding(pk)
    if request.method != "POST":
        return redirect("console:offboarding", pk=found.pk)
    try:
        started = lifecycle.retry_export(offboarding=found, by=request.user)
    except LifecycleRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("console:offboarding", pk=found.pk)
    return _passphrase_page(request, started, retried=True)


@operator_page()
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = _offboarding(pk)
    errors, reason = {}, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            lifecycle.cancel_offboarding(offboarding=found, by=request.user, reason=reason)
        except LifecycleRefused as refusal:
            errors = _errors(refusal)
        else:
            messages.success(
                request, f"The offboarding is cancelled: {found.school.name} stays on Haven."
            )
            return redirect("console:school", slug=found.school.slug)
    return render(
        request,
        "console/offboarding_cancel.html",
        {"offboarding": found, "school": found.school, "errors": errors, "reason": reason},
        status=400 if errors else 200,
    )


@operator_page()
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The second operator's confirmation, typing the school's address."""
    found = _offboarding(pk)
    errors, typed = {}, ""
    if request.method == "POST":
        typed = request.POST.get("slug", "")
        try:
            lifecycle.confirm_removal(offboarding=found, by=request.user, typed_slug=typed)
        except LifecycleRefused as refusal:
            errors = _errors(refusal)
            found = _offboarding(pk)
        else:
            messages.success(
                request,
                f"{found.school.name}'s data is removed. Its export is kept to hand back.",
            )
            return redirect("console:offboarding", pk=found.pk)
    return render(
        request,
        "console/offboarding_remove.html",
        {
            "offboarding": found,
            "school": found.school,
            "errors": errors,
            "typed": typed,
            "blockers": lifecycle.removal_blockers(found, by=request.user),
            "training_copy": training_copy_of(found.school),
        },
        status=400 if errors else 200,
    )


def _panel_context(request: HttpRequest, found: Offboarding) -> dict:
    return {
        "offboarding": found,
        "school": found.school,
        "days_left": lifecycle.days_until_removable(found),
        "blockers": lifecycle.removal_blockers(found, by=request.user),
        "exporting": found.export_status in (Offboarding.Export.PENDING, Offboarding.Export.RUNNING)
        and not found.cancelled_at,
    }


def _passphrase_page(
    request: HttpRequest, started: OffboardingStarted, *, retried: bool = False
) -> HttpResponse:
    response = render(
        request,
        "console/offboard_passphrase.html",
        {
            "offboarding": started.offboarding,
            "school": started.offboarding.school,
            "passphrase": started.passphrase,
            "retried": retried,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response
