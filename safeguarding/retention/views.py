"""Retention pages. Every one is the safeguarding team's (services.refuse_unless_may_manage)
and every change is a POST; the pupil is in an address by number only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from safeguarding.concerns.selectors import visible_pupil
from safeguarding.errors import Invalid, NotFound
from safeguarding.retention import selectors, services
from safeguarding.retention.models import LIMITS, Basis
from safeguarding.web import school_view


@school_view
def overview(request: HttpRequest) -> HttpResponse:
    services.refuse_unless_may_manage(request.viewer)
    return _overview(request)


def _overview(request: HttpRequest, *, errors=None, form=None, status: int = 200):
    today = timezone.localdate()
    return render(
        request,
        "retention/overview.html",
        {
            "page": selectors.retention_page(today),
            "today": today,
            "bases": Basis.choices,
            "limits": {basis.value: LIMITS[basis] for basis in Basis},
            "errors": errors or {},
            "form": form or {},
        },
        status=status,
    )


@school_view
@require_POST
def rule(request: HttpRequest) -> HttpResponse:
    form = {"basis": request.POST.get("basis", ""), "years": request.POST.get("years", "")}
    try:
        services.save_settings(viewer=request.viewer, request=request, **form)
    except Invalid as invalid:
        return _overview(request, errors=invalid.errors, form=form, status=400)
    messages.success(request, "Saved the retention rule. It applies from tonight's check.")
    return redirect("retention:overview")


@school_view
@require_POST
def check_now(request: HttpRequest) -> HttpResponse:
    """What the nightly job lists, now: nothing is purged by this."""
    services.refuse_unless_may_manage(request.viewer)
    added = services.list_due()
    messages.success(
        request,
        f"{added} pupil{'s' if added != 1 else ''}' records newly due for review."
        if added
        else "No more records are due for review.",
    )
    return redirect("retention:overview")


@school_view
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what would go and asks for a tick; POST records the confirmation."""
    services.refuse_unless_may_manage(request.viewer)
    errors = {}
    if request.method == "POST":
        try:
            services.confirm(
                viewer=request.viewer,
                review_id=pk,
                understood=request.POST.get("understood") == "on",
                request=request,
            )
        except Invalid as invalid:
            errors = invalid.errors
        else:
            messages.success(
                request,
                "Confirmed. These records will be purged in tonight's run unless you withdraw "
                "the confirmation or place a legal hold first.",
            )
            return redirect("retention:overview")
    review = selectors.visible_review(pk)
    if review is None:
        raise NotFound("No such review.")
    return render(
        request,
        "retention/confirm.html",
        {
            "review": review,
            "summary": selectors.purge_summary(review.pupil, timezone.localdate()),
            "hold": selectors.active_hold(review.pupil_id),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@school_view
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.cancel(viewer=request.viewer, review_id=pk, request=request)
    except Invalid as invalid:
        messages.error(request, " ".join(m for ms in invalid.errors.values() for m in ms))
    else:
        messages.success(request, "Withdrawn: the records wait for a decision again.")
    return redirect("retention:overview")


@school_view
@require_POST
def keep(request: HttpRequest, pk: int) -> HttpResponse:
    form = {"until": request.POST.get("until", ""), "reason": request.POST.get("reason", "")}
    try:
        services.keep(viewer=request.viewer, review_id=pk, request=request, **form)
    except Invalid as invalid:
        return _overview(request, errors=invalid.errors, form={**form, "review": pk}, status=400)
    messages.success(request, f"Kept until {form['until']}; they will be reviewed again then.")
    return redirect("retention:overview")


@school_view
@require_http_methods(["GET", "POST"])
def legal_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's legal hold: place one (GET shows the form) or see the one in place."""
    viewer = request.viewer
    services.refuse_unless_may_manage(viewer)
    errors, reason = {}, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.place_hold(viewer=viewer, pupil_id=pk, reason=reason, request=request)
        except Invalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, "Legal hold placed: nothing of this pupil's will be purged.")
            return redirect("concerns:pupil", pk)
    return _hold_page(request, pk, errors=errors, reason=reason, status=400 if errors else 200)


def _hold_page(request, pupil_id: int, *, errors, reason: str = "", status: int):
    pupil = visible_pupil(request.viewer, pupil_id)
    return render(
        request,
        "retention/legal_hold.html",
        {
            "pupil": pupil,
            "hold": selectors.active_hold(pupil.pk),
            "errors": errors,
            "reason": reason,
        },
        status=status,
    )


@school_view
@require_POST
def release_hold(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("release_reason", "")
    try:
        hold = services.release_hold(
            viewer=request.viewer, hold_id=pk, reason=reason, request=request
        )
    except Invalid as invalid:
        hold = selectors.active_hold_by_id(pk)
        if hold is None:
            raise NotFound("No such legal hold.") from None
        return _hold_page(request, hold.pupil_id, errors=invalid.errors, status=400)
    messages.success(request, "Legal hold released.")
    return redirect("concerns:pupil", hold.pupil_id)
