"""The safeguarding team's audit pages: a search of the log, and who viewed a child's file.
Everyone else gets a 404, as for anything they may not see. The search is a GET: it carries
an email address and dates, never a child's details."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from safeguarding.audit import selectors
from safeguarding.audit.models import AuditEvent
from safeguarding.concerns.forms import parse_date
from safeguarding.errors import NotFound
from safeguarding.web import school_view

PER_PAGE = 50


@dataclass(frozen=True)
class Shown:
    """An event as a row of the table: what it touched, with a link when there is a page."""

    event: AuditEvent
    object_label: str
    object_url: str | None

    @property
    def detail(self) -> str:
        """The detail's ids and codes, as a line a person reads."""
        return "; ".join(
            f"{key.replace('_', ' ')}: {_value(value)}" for key, value in self.event.details.items()
        )


@school_view
def audit_log(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not selectors.may_read_audit_log(viewer):
        raise NotFound("No such page.")
    errors: dict[str, str] = {}
    email = request.GET.get("email", "").strip()[:254]
    since = _date(request.GET.get("since", ""), "since", errors)
    until = _date(request.GET.get("until", ""), "until", errors)
    if since and until and since > until:
        errors["until"] = "The end date is before the start date."
    events = selectors.search_audit_log(viewer, email=email, since=since, until=until)
    page = _page(events, request) if not errors else None
    return render(
        request,
        "audit/log.html",
        {
            "email": email,
            "since": request.GET.get("since", "")[:10],
            "until": request.GET.get("until", "")[:10],
            "errors": errors,
            "page": page,
            "rows": _rows(page),
            "searched": bool(email or since or until),
        },
        status=400 if errors else 200,
    )


@school_view
def pupil_trail(request: HttpRequest, pk: int) -> HttpResponse:
    events = selectors.pupil_audit_trail(request.viewer, pk)
    page = _page(events, request)
    return render(request, "audit/pupil.html", {"pupil_id": pk, "page": page, "rows": _rows(page)})


def _date(value: str, name: str, errors: dict[str, str]) -> datetime.date | None:
    try:
        return parse_date(value)
    except ValueError as error:
        errors[name] = str(error)
        return None


def _page(events, request: HttpRequest) -> Page:
    return Paginator(events, PER_PAGE).get_page(request.GET.get("page"))


def _rows(page: Page | None) -> list[Shown]:
    return [_shown(event) for event in page] if page is not None else []


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(_value(item) for item in value) or "none"
    return str(value)


def _shown(event: AuditEvent) -> Shown:
    kind, pk = event.object_type, event.object_id
    if kind == "incident" and pk:
        return Shown(event, f"Incident #{pk}", reverse("concerns:incident", args=[pk]))
    if kind == "pupil" and pk:
        return Shown(event, f"Pupil {pk}", reverse("concerns:pupil", args=[pk]))
    if kind == "file" and pk:
        incident = event.details.get("incident")
        if isinstance(incident, int):
            url = reverse("concerns:incident", args=[incident])
            return Shown(event, f"File {pk} of incident #{incident}", url)
    if kind == "category" and pk:
        return Shown(event, f"Category {pk}", reverse("concerns:categories"))
    label = f"{kind.replace('_', ' ').capitalize()} {pk if pk is not None else ''}".strip()
    return Shown(event, label, None)
