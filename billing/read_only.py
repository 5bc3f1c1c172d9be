"""Read-only access on a school's host while an overdue invoice holds it (billing.dunning).

Reading is never blocked, and neither is safeguarding work: recording a new concern, following
it up with actions, and accepting or rejecting a pupil's file sent by another school. A
child's safety never waits on an unpaid invoice. Every other write (POST, PUT, PATCH,
DELETE) is refused with a 403 that says why, before any view runs. What stays open is the
short list below, by URL name, so a route added later is refused until someone decides
otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MESSAGE = (
    "This school's Haven account is read-only because an invoice is overdue; you can still "
    "record a concern, add and complete its actions, and accept or reject a transferred file."
)

# Signing in and out, passwords and second factors: a person's own account, which they need
# in order to record a concern at all.
OPEN_NAMESPACES = frozenset({"accounts"})
OPEN_ROUTES = frozenset(
    {
        # Recording a new concern: the Add Incident form (its steps, body map and file
        # uploads post to the same page), its pupil type-ahead, and the API's create.
        "concerns:add_incident",
        "concerns:find_pupils",
        "api-incidents",
        "api-pupil-search",
        # Following a concern up: adding and completing its actions, on the page or the API.
        "concerns:add_action",
        "concerns:complete_action",
        "api-actions",
        # A pupil's safeguarding file arriving from their previous school.
        "transfers:accept",
        "transfers:reject",
        # Reading that posts: the pupil search (what is typed stays out of the address),
        # building a chronology export, hiding names on screen, marking an alert read.
        "concerns:pupils",
        "records:export_chronology",
        "concerns:toggle_names",
        "alerts:mark_read",
        # Another school confirming it received a file this school sent.
        "transfers:receipt",
    }
)


def is_open(request: HttpRequest) -> bool:
    """Whether this request may go ahead on a read-only school."""
    if request.method in SAFE_METHODS:
        return True
    try:
        match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return True  # a 404 follows; nothing to write
    return match.view_name in OPEN_ROUTES or bool(OPEN_NAMESPACES & set(match.namespaces))


class BillingReadOnlyMiddleware:
    """After SchoolHostMiddleware: refuses a write on a read-only school's host unless it
    is reading or safeguarding work (OPEN_ROUTES)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        school = getattr(request, "school", None)
        if school is None or school.billing_read_only_since is None or is_open(request):
            return self.get_response(request)
        return refusal(request)


def refusal(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": MESSAGE}, status=403)
    return render(request, "billing/read_only_refused.html", {"message": MESSAGE}, status=403)
