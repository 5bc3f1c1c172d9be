"""Session rules enforced on the server for every request of a signed-in person: sign out
after the school's idle time, and nothing but a new password once the old one expired."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import sessions

# Paths a person whose password expired may still reach.
_WHILE_EXPIRED = ("accounts:password_change", "accounts:logout")


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session, now = request.session, time.time()
        if sessions.idle_for(session, now) > sessions.idle_limit(session):
            minutes = sessions.idle_limit(session) // 60
            logout(request)
            return _signed_out(request, minutes)
        sessions.touch(session, now)
        if session.get(sessions.MUST_CHANGE_PASSWORD) and not _allowed_while_expired(request):
            return _change_password_first(request)
        return self.get_response(request)


def _signed_out(request: HttpRequest, minutes: int) -> HttpResponse:
    text = f"You were signed out after {minutes} minutes without activity. Sign in again."
    if _wants_json(request):
        return JsonResponse({"detail": text}, status=401)
    messages.info(request, text)
    login = reverse("accounts:login")
    if (
        request.method == "GET"
        and not request.headers.get("HX-Request")
        and not request.path_info.startswith("/accounts/")
    ):
        login += "?" + urlencode({"next": request.get_full_path()})
    response = redirect(login)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204, headers={"HX-Redirect": login})
    return response


def _change_password_first(request: HttpRequest) -> HttpResponse:
    text = "Your password has expired. Choose a new one to carry on."
    if _wants_json(request):
        return JsonResponse({"detail": text}, status=403)
    return redirect("accounts:password_change")


def _allowed_while_expired(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith("/static/") or any(path == reverse(name) for name in _WHILE_EXPIRED)


def _wants_json(request: HttpRequest) -> bool:
    """The API and the idle warning's keep-alive call want a status, not a sign-in page."""
    return request.path_info.startswith("/api/") or request.path_info == reverse(
        "accounts:keep_alive"
    )
