"""The inbox, marking a notification read, the daily digest choice, and the DSL desk."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from safeguarding.access import policy
from safeguarding.alerts import selectors, services
from safeguarding.errors import NotFound
from safeguarding.transfers.selectors import desk_transfers
from safeguarding.web import school_view
from tenants import outbox


@school_view
def inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "alerts/inbox.html",
        {
            "inbox": selectors.get_inbox(request.viewer),
            "daily_digest": selectors.wants_daily_digest(request.user),
        },
    )


@school_view
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_read(viewer=request.viewer, notification_id=pk, request=request)
    messages.success(request, "Marked as read.")
    return redirect("alerts:inbox")


@school_view
@require_POST
def daily_digest(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("daily_digest") == "on"
    services.set_daily_digest(user=request.user, wanted=wanted)
    messages.success(
        request,
        "You will get a daily digest of unread alerts."
        if wanted
        else "You will not get a daily digest.",
    )
    return redirect("alerts:inbox")


@school_view
def desk(request: HttpRequest) -> HttpResponse:
    if not policy.may_manage_school(request.viewer):
        raise NotFound("No such page.")
    waiting, sent = desk_transfers(request.viewer)
    return render(
        request,
        "alerts/desk.html",
        {
            "desk": selectors.get_desk(request.viewer),
            "transfers_waiting": waiting,
            "transfers_sent": sent,
        },
    )


@school_view
@require_POST
def retry_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    if not policy.may_manage_school(request.viewer):
        raise NotFound("No such page.")
    if not outbox.retry_failed(school=connection.tenant, message_id=pk):
        raise NotFound("No such failed delivery.")
    messages.success(request, "The email will be tried again now.")
    return redirect("alerts:desk")
