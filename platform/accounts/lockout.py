"""How django-axes tells people apart and what it says when it locks them out.

Failures count per (email, address): five wrong passwords for one email from one address
lock that pair for 15 minutes (settings.AXES_*). The email is compared as sign-in compares
it, so "DSL@School" and "dsl@school " are one counter, not a way round it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.forms import EmailAuthenticationForm
from accounts.models import normalise_email


def username(request: HttpRequest, credentials: dict | None) -> str:
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalise_email(str(raw))[:254]


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = EmailAuthenticationForm(request, data=None)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "locked_out": (
                f"Too many wrong passwords for this email address from your network. Wait "
                f"{minutes} minutes and try again, or reset your password."
            ),
        },
        status=429,
    )
