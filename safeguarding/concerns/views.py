"""School pages for concerns: the dashboard, Add Incident, an incident and its actions,
files, and the DSLs' category and agency lists. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from safeguarding.access import policy
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns import selectors, services
from safeguarding.concerns.downloads import attachment_response
from safeguarding.concerns.forms import (
    IncidentDraft,
    local_now_text,
    parse_date,
    parse_incident,
    to_int,
)
from safeguarding.concerns.forms import parse_local_datetime as parse_when
from safeguarding.concerns.models import (
    Action,
    Agency,
    BodyMapMark,
    Category,
    LinkedPupil,
    Risk,
    Status,
)
from safeguarding.concerns.taxonomy import Standard
from safeguarding.errors import NON_FIELD, Invalid, NotFound
from safeguarding.people.selectors import search_pupils, search_staff, staff_members
from safeguarding.web import school_view

# Buttons that change the Add Incident form without submitting it (for browsers without
# JavaScript; with it, htmx fetches the same pieces in place).
_FORM_STEPS = {
    "find_pupil",
    "choose_pupil",
    "clear_pupil",
    "find_link",
    "add_link",
    "remove_link",
    "find_staff",
    "add_alert",
    "remove_alert",
    "add_mark",
    "remove_mark",
}


@school_view
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    actions = list(selectors.my_open_actions(viewer))
    return render(
        request,
        "concerns/dashboard.html",
        {
            "mine": selectors.my_recent_incidents(viewer),
            "alerted": selectors.incidents_alerted_to(viewer),
            "recent": selectors.recent_incidents(viewer) if viewer.level != "write_only" else [],
            "actions": [(action, selectors.is_overdue(action)) for action in actions],
            "overdue_count": sum(selectors.is_overdue(action) for action in actions),
        },
    )


@school_view
def add_incident(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if request.method != "POST":
        draft = IncidentDraft(occurred_at_text=local_now_text())
        draft.pupil_id = to_int(request.GET.get("pupil"))
        return _incident_form(request, draft)

    draft = parse_incident(request.POST, request.FILES)
    step = next((name for name in _FORM_STEPS if name in request.POST), None)
    if step:
        return _incident_form(request, _apply_step(draft, step, request.POST), step=step)
    if not draft.errors:
        try:
            incident = services.record_incident(
                viewer=viewer,
                pupil_id=draft.pupil_id,
                text=draft.text,
                category_ids=draft.category_ids,
                occurred_at=draft.occurred_at,
                status=draft.status,
                links=draft.links,
                marks=draft.marks,
                agency_ids=draft.agency_ids,
                alert_user_ids=draft.alert_ids,
                uploads=draft.uploads,
            )
        except Invalid as refused:
            draft.errors.update(refused.errors)
        else:
            messages.success(
                request,
                f"Incident {incident.reference} is recorded. Quote that number if you need to "
                "correct anything: add an action, as an incident cannot be edited.",
            )
            return redirect("concerns:incident", pk=incident.pk)
    return _incident_form(request, draft, status=400)


def _apply_step(draft: IncidentDraft, step: str, data) -> IncidentDraft:
    value = data.get(step, "")
    number = to_int(value)
    if step == "choose_pupil":
        draft.pupil_id = number
    elif step == "clear_pupil":
        draft.pupil_id = None
    elif step == "add_link" and number:
        draft.links.append(services.Link(pupil_id=number))
    elif step == "remove_link":
        draft.links = [link for link in draft.links if link.pupil_id != number]
    elif step == "add_alert" and number and number not in draft.alert_ids:
        draft.alert_ids.append(number)
    elif step == "remove_alert":
        draft.alert_ids = [pk for pk in draft.alert_ids if pk != number]
    elif step == "add_mark":
        draft.marks.append(services.Mark(side="front", x=500, y=500, kind="bruise"))
    elif step == "remove_mark" and number is not None and 0 <= number < len(draft.marks):
        draft.marks.pop(number)
    return draft


def _incident_form(
    request: HttpRequest, draft: IncidentDraft, *, step: str | None = None, status: int = 200
) -> HttpResponse:
    viewer = request.viewer
    recordable = policy.recordable_pupils(viewer)
    pupils = {
        p.pk: p
        for p in recordable.filter(
            pk__in=[draft.pupil_id, *(link.pupil_id for link in draft.links)]
        ).select_related("form")
    }
    staff = {u.pk: u for u in staff_members().filter(pk__in=draft.alert_ids)}
    found = []
    if step == "find_pupil":
        found = search_pupils(recordable, request.POST.get("pupil_q", ""))
    elif step == "find_link":
        found = search_pupils(recordable, request.POST.get("link_q", ""))
    elif step == "find_staff":
        found = search_staff(request.POST.get("staff_q", ""))
    context = {
        "draft": draft,
        "errors": draft.errors,
        "general_errors": draft.errors.get(NON_FIELD, []),
        "pupil": pupils.get(draft.pupil_id),
        "links": [
            (pupils[link.pupil_id], link.role) for link in draft.links if link.pupil_id in pupils
        ],
        "alerted": [staff[pk] for pk in draft.alert_ids if pk in staff],
        "found": found,
        "step": step,
        "category_groups": _category_groups(policy.recordable_categories(viewer)),
        "agencies": Agency.objects.filter(retired_at__isnull=True),
        "link_roles": LinkedPupil.Role.choices,
        "mark_sides": BodyMapMark.Side.choices,
        "mark_kinds": BodyMapMark.Kind.choices,
        "statuses": [(Status.ACTIVE, "Active"), (Status.NO_FURTHER_ACTION, "No further action")],
        "files_dropped": bool(draft.uploads) and (status == 400 or step is not None),
    }
    return render(request, "concerns/add_incident.html", context, status=status)


def _category_groups(categories: list[Category]) -> list[tuple[Category | None, list[Category]]]:
    """Top-level categories, each with the subcategories the viewer may choose."""
    tops = [c for c in categories if c.parent_id is None]
    groups = [(top, [c for c in categories if c.parent_id == top.pk]) for top in tops]
    orphans = [c for c in categories if c.parent_id and c.parent_id not in {t.pk for t in tops}]
    if orphans:
        groups.append((None, orphans))
    return groups


@school_view
def incident_page(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    incident = selectors.incident_detail(viewer, pk)
    actions = list(incident.actions.all())
    response = render(
        request,
        "concerns/incident.html",
        {
            "incident": incident,
            "text": selectors.display_text(incident),
            "actions": [(action, selectors.is_overdue(action)) for action in actions],
            "may_add_action": policy.may_add_action(viewer, incident),
            "may_open_pupil": policy.visible_pupils(viewer).filter(pk=incident.pupil_id).exists(),
            "may_change": policy.may_change_incident(viewer),
            "statuses": Status.choices,
            "risks": Risk.choices[1:],
            "change_categories": Category.objects.filter(retired_at__isnull=True).select_related(
                "parent"
            ),
            "current_category_ids": {c.pk for c in incident.categories.all()},
            "sides": BodyMapMark.Side.choices,
        },
    )
    audit.record(
        action=AuditAction.INCIDENT_VIEWED,
        object_type="incident",
        object_id=incident.pk,
        pupil_id=incident.pupil_id,
        request=request,
    )
    return response


@school_view
def add_action(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    incident = selectors.incident_detail(viewer, pk)
    may_pass_on = policy.may_pass_on(viewer, incident)
    errors: dict[str, list[str]] = {}
    # The DSL desk's Forward opens the form with its kind chosen.
    data = request.POST if request.method == "POST" else {"kind": request.GET.get("kind", "")}
    if request.method == "POST":
        try:
            when = parse_when(data.get("occurred_at", ""))
        except ValueError as error:
            errors["occurred_at"] = [str(error)]
            when = None
        try:
            due = parse_date(data.get("due_date", ""))
        except ValueError as error:
            errors["due_date"] = [str(error)]
            due = None
        if not errors:
            try:
                action = services.add_action(
                    viewer=viewer,
                    incident_id=incident.pk,
                    kind=data.get("kind", ""),
                    text=data.get("text", ""),
                    occurred_at=when,
                    agency_id=to_int(data.get("agency")),
                    reference=data.get("reference", ""),
                    assignee_id=to_int(data.get("assignee")),
                    due_date=due,
                    alert_user_ids=[to_int(v) or -1 for v in data.getlist("alert") if v],
                    uploads=[
                        services.Upload(file=f, name=f.name) for f in request.FILES.getlist("files")
                    ],
                )
            except Invalid as refused:
                errors.update(refused.errors)
            else:
                messages.success(request, f"{action.get_kind_display()} added.")
                return redirect("concerns:incident", pk=incident.pk)
    return render(
        request,
        "concerns/add_action.html",
        {
            "incident": incident,
            "data": data,
            "errors": errors,
            "kinds": [
                (value, label)
                for value, label in Action.Kind.choices
                if may_pass_on or value != Action.Kind.FORWARDED
            ],
            "agencies": Agency.objects.filter(retired_at__isnull=True),
            "staff": staff_members() if may_pass_on else None,
            "now": local_now_text(),
        },
        status=400 if errors else 200,
    )


@require_POST
@school_view
def complete_action(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        completion = services.complete_action(
            viewer=request.viewer, action_id=pk, note=request.POST.get("note", "")
        )
    except Invalid as refused:
        messages.error(request, " ".join(m for ms in refused.errors.values() for m in ms))
        action = policy.visible_actions(request.viewer).get(pk=pk)
        return redirect("concerns:incident", pk=action.incident_id)
    messages.success(request, "Action marked complete.")
    return redirect("concerns:incident", pk=completion.action.incident_id)


@require_POST
@school_view
def change_incident(request: HttpRequest, pk: int) -> HttpResponse:
    viewer, data = request.viewer, request.POST
    change = data.get("change")
    reason = data.get("reason", "")
    try:
        if change == "status":
            services.set_status(
                viewer=viewer,
                incident_id=pk,
                status=data.get("status", ""),
                reason=reason,
                request=request,
            )
        elif change == "risk":
            services.set_risk(
                viewer=viewer,
                incident_id=pk,
                risk=data.get("risk", ""),
                reason=reason,
                request=request,
            )
        elif change == "categories":
            services.recategorise(
                viewer=viewer,
                incident_id=pk,
                category_ids=[to_int(v) or -1 for v in data.getlist("categories")],
                reason=reason,
                request=request,
            )
        elif change == "names":
            services.set_names_hidden(
                viewer=viewer,
                incident_id=pk,
                hidden=data.get("hidden") == "1",
                reason=reason,
                request=request,
            )
        else:
            raise Invalid({NON_FIELD: "Choose what to change."})
    except Invalid as refused:
        messages.error(request, " ".join(m for ms in refused.errors.values() for m in ms))
    else:
        messages.success(request, "The change is recorded in the incident's history.")
    return redirect("concerns:incident", pk=pk)


@school_view
def download(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_response(request.viewer, pk, request=request)


# Category and agency administration -------------------------------------------------------


@school_view
def categories_admin(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if not policy.may_manage_school(viewer):
        raise NotFound("No such page.")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        errors = _category_command(viewer, request)
        if not errors:
            return redirect("concerns:categories")
    tops = Category.objects.filter(parent=None).prefetch_related("children")
    return render(
        request,
        "concerns/categories.html",
        {
            "tops": tops,
            "standards": Standard.choices,
            "errors": errors,
            "data": request.POST,
            "agencies": Agency.objects.all(),
        },
        status=400 if errors else 200,
    )


def _category_command(viewer, request) -> dict[str, list[str]]:
    data, command = request.POST, request.POST.get("command")
    category_id = to_int(data.get("category"))
    try:
        if command == "add":
            category = services.add_category(
                viewer=viewer,
                name=data.get("name", ""),
                standard=data.get("standard", ""),
                parent_id=to_int(data.get("parent")),
                restricted=data.get("restricted") == "1",
            )
            messages.success(request, f"Added {category.label}.")
        elif command == "rename":
            services.rename_category(
                viewer=viewer, category_id=category_id, name=data.get("name", "")
            )
            messages.success(request, "Renamed.")
        elif command == "move":
            services.move_category(
                viewer=viewer, category_id=category_id, parent_id=to_int(data.get("parent"))
            )
            messages.success(request, "Moved.")
        elif command in ("retire", "restore"):
            services.retire_category(
                viewer=viewer, category_id=category_id, retired=command == "retire"
            )
            messages.success(request, "Retired." if command == "retire" else "Back in use.")
        elif command == "delete":
            if data.get("confirm") != "yes":
                return {NON_FIELD: ["Tick the box to confirm the deletion."]}
            services.delete_category(viewer=viewer, category_id=category_id)
            messages.success(request, "Deleted.")
        elif command == "add_agency":
            services.add_agency(viewer=viewer, name=data.get("name", ""))
            messages.success(request, "Agency added.")
        elif command == "rename_agency":
            services.rename_agency(
                viewer=viewer, agency_id=to_int(data.get("agency")), name=data.get("name", "")
            )
            messages.success(request, "Agency renamed.")
        elif command in ("retire_agency", "restore_agency"):
            services.retire_agency(
                viewer=viewer,
                agency_id=to_int(data.get("agency")),
                retired=command == "retire_agency",
            )
            messages.success(request, "Agency updated.")
        else:
            return {NON_FIELD: ["Choose what to change."]}
    except Invalid as refused:
        return refused.errors
    return {}


@school_view
def delete_category_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    if not policy.may_manage_school(request.viewer):
        raise NotFound("No such page.")
    category = Category.objects.select_related("parent").filter(pk=pk).first()
    if category is None:
        raise NotFound("No such category.")
    return render(request, "concerns/delete_category.html", {"category": category})
