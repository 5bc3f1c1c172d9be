"""The inbox page and marking a notification read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from safeguarding.alerts import services
from safeguarding.alerts.selectors import get_inbox
from safeguarding.web import school_view


@school_view
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/inbox.html", {"inbox": get_inbox(request.viewer)})


@school_view
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_read(user=request.user, notification_id=pk, request=request)
    messages.success(request, "Marked as read.")
    return redirect("alerts:inbox")
