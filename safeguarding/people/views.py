"""School pages for pupils: the list, a pupil's page with their chronology (each view of it
audited), and the small pieces the Add Incident form fetches as someone types."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from haven.clients import same_host_target
from safeguarding import display
from safeguarding.access import policy
from safeguarding.alerts.services import cannot_otherwise_see
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.audit.selectors import may_read_audit_log
from safeguarding.concerns import selectors as concerns
from safeguarding.concerns.forms import to_int
from safeguarding.concerns.models import LinkedPupil
from safeguarding.errors import NotFound
from safeguarding.imports.selectors import pupil_changes
from safeguarding.people.selectors import search_pupils, search_staff, staff_members
from safeguarding.transfers.selectors import received_files
from safeguarding.web import school_view


@school_view
def pupils(request: HttpRequest) -> HttpResponse:
    """The search is a POST so that a child's name never sits in a URL, a server log or the
    browser's history."""
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    visible = policy.visible_pupils(request.viewer)
    found = search_pupils(visible, query, limit=50) if query else None
    return render(
        request,
        "people/pupils.html",
        {"query": query, "found": found, "total": visible.count()},
    )


@school_view
def pupil_page(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    pupil = concerns.visible_pupil(viewer, pk)
    response = render(
        request,
        "people/pupil.html",
        {
            "pupil": pupil,
            "guardians": pupil.guardians.all() if policy.may_see_guardians(viewer) else None,
            "flags": _flags(pupil) if policy.may_see_guardians(viewer) else None,
            "open_categories": concerns.open_category_titles(viewer, pupil),
            "chronology": concerns.pupil_chronology(viewer, pupil),
            "may_record": not pupil.is_archived,
            "may_read_audit": may_read_audit_log(viewer),
            "may_transfer": policy.may_handle_transfers(viewer),
            "received_files": received_files(viewer, pupil),
            "mis_changes": pupil_changes(pupil) if policy.may_see_guardians(viewer) else None,
        },
    )
    # The page shows the chronology too: one event says both.
    audit.record(
        action=AuditAction.PUPIL_VIEWED,
        object_type="pupil",
        object_id=pupil.pk,
        pupil_id=pupil.pk,
        request=request,
        detail={"chronology": True},
    )
    return response


def _flags(pupil) -> list[tuple[str, bool]]:
    """(label, restricted) for each flag the pupil has."""
    flags = [
        ("CP plan", pupil.cp_plan, True),
        ("CIN", pupil.cin, True),
        ("CLA", pupil.cla, False),
        (pupil.get_sen_display(), bool(pupil.sen), False),
        ("EAL", pupil.eal, False),
        ("FSM", pupil.fsm, False),
        ("PP", pupil.pupil_premium, False),
        ("Early Help", pupil.early_help, False),
    ]
    return [(label, restricted) for label, present, restricted in flags if present]


# Pieces for the Add Incident form ------------------------------------------------------------


@school_view
@require_POST
def find_pupils(request: HttpRequest) -> HttpResponse:
    """Type-ahead results: names and forms only, of pupils the viewer may record about.
    What was typed comes in the body, never the URL."""
    purpose = "link" if request.GET.get("for") == "link" else "subject"
    query = request.POST.get("link_q" if purpose == "link" else "pupil_q", "")
    found = search_pupils(policy.recordable_pupils(request.viewer), query)
    return render(
        request, "people/partials/pupil_results.html", {"found": found, "purpose": purpose}
    )


@school_view
def chosen_pupil(request: HttpRequest) -> HttpResponse:
    """The pupil field with a pupil chosen, or back to searching when no id is given."""
    pupil = _recordable(request, "id") if request.GET.get("id") else None
    return render(request, "people/partials/pupil_field.html", {"pupil": pupil})


@school_view
def link_row(request: HttpRequest) -> HttpResponse:
    pupil = _recordable(request, "id")
    return render(
        request,
        "people/partials/link_row.html",
        {"pupil": pupil, "role": LinkedPupil.Role.INVOLVED, "link_roles": LinkedPupil.Role.choices},
    )


@school_view
def find_staff(request: HttpRequest) -> HttpResponse:
    found = search_staff(request.GET.get("staff_q", ""))
    return render(request, "people/partials/staff_results.html", {"found": found})


@school_view
def alert_chip(request: HttpRequest) -> HttpResponse:
    user = staff_members().filter(pk=to_int(request.GET.get("id"))).first()
    if user is None:
        raise NotFound("No such member of staff.")
    # The categories ticked so far come along (hx-include): the chip warns when alerting
    # this person would let them read what their role does not.
    category_ids = [pk for pk in map(to_int, request.GET.getlist("categories")) if pk]
    return render(
        request,
        "people/partials/alert_chip.html",
        {"member": user, "warn": cannot_otherwise_see(user, category_ids)},
    )


def _recordable(request: HttpRequest, name: str):
    pupil = (
        policy.recordable_pupils(request.viewer)
        .select_related("form")
        .filter(pk=to_int(request.GET.get(name)))
        .first()
    )
    if pupil is None:
        raise NotFound("No such pupil.")
    return pupil


@school_view
@require_POST
def toggle_names(request: HttpRequest) -> HttpResponse:
    """The header's "Hide names" button: pupils as initials on every page until pressed
    again, for this session only. Back to the page it was pressed on (the same-origin
    Referer), so that no page has to carry its own address in the form."""
    hidden = not request.session.get(display.SESSION_KEY, False)
    request.session[display.SESSION_KEY] = hidden
    return redirect(same_host_target(request, request.headers.get("Referer")))
