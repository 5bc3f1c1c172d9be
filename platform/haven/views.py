"""The landing pages of the two kinds of host."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from haven.access import signed_in


@signed_in
def platform_home(request: HttpRequest) -> HttpResponse:
    return render(request, "haven/platform_home.html")
