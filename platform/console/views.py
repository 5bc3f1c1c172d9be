"""The console's pages on the platform host: schools and trusts with their health, one
school's page, the operators' audit and the second-factor gate. Thin: they parse, call
console.selectors or the services, and render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.factor_views import verify_page
from console import selectors
from console.access import operator_page
from haven.clients import same_host_target


@operator_page()
def home(request: HttpRequest) -> HttpResponse:
    filters = selectors.SchoolFilters.from_query(request.GET)
    schools = list(selectors.schools(filters))
    return render(
        request,
        "console/home.html",
        {
            "schools": schools,
            "trusts": list(selectors.trusts()),
            "filters": filters,
            "statuses": selectors.STATUSES,
        },
    )


@operator_page()
def school(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.school_by_slug(slug)
    if found is None:
        raise Http404("No such school")
    return render(
        request,
        "console/school.html",
        {"school": found, "actions": selectors.actions(school=found, limit=50)},
    )


@operator_page()
def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "console/audit.html", {"actions": selectors.actions()})


@operator_page(verified=False)
def verify(request: HttpRequest) -> HttpResponse:
    """Every operator needs a second factor: set one up, or verify it for this session."""
    next_url = same_host_target(
        request,
        request.POST.get("next") or request.GET.get("next"),
        default=reverse("console:home"),
    )
    return verify_page(
        request, template="console/verify.html", next_url=next_url, refused_status=401
    )
