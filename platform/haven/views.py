"""The landing pages of the two kinds of host."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


@login_required
def school_home(request: HttpRequest) -> HttpResponse:
    return render(request, "haven/school_home.html")


def platform_home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return render(request, "haven/platform_home.html")
