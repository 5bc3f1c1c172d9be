"""The landing pages of the two kinds of host."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from haven.access import signed_in
from trusts.selectors import lead_of


@signed_in
def platform_home(request: HttpRequest) -> HttpResponse:
    """A trust lead's home is their trust's dashboard; an operator's is the console."""
    if lead_of(request.user) is not None:
        return redirect("trusts:dashboard")
    if request.user.is_operator:
        return redirect("console:home")
    return render(request, "haven/platform_home.html")
