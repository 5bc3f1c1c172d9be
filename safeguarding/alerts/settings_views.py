"""The safeguarding team's alert settings pages: the DSL rota (weekly slots, cover, closures
and the escalation time) and the alert rules editor. For anyone else these pages do not
exist (404), as for every settings page. Removing anything goes through a page that shows
what will go, and only its POST removes it."""

from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateformat import format as format_date

from safeguarding.access import policy
from safeguarding.alerts import settings_selectors as selectors
from safeguarding.alerts import settings_services as services
from safeguarding.alerts.models import AlertRule, Closure, DutyCover, DutySlot, Weekday
from safeguarding.concerns.forms import to_int
from safeguarding.errors import NON_FIELD, Invalid, NotFound
from safeguarding.web import school_view

_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
DASH = "\u2013"


def _dsl_only(request: HttpRequest) -> None:
    if not policy.may_manage_school(request.viewer):
        raise NotFound("No such page.")


# The rota ----------------------------------------------------------------------------------


@school_view
def rota_page(request: HttpRequest) -> HttpResponse:
    """The week, cover, closures, escalation and who is on duty now; its forms add to it."""
    _dsl_only(request)
    form, errors = "", {}
    if request.method == "POST":
        form = request.POST.get("command", "")
        try:
            done = _rota_command(request, form)
        except Invalid as refused:
            errors = refused.errors
        else:
            messages.success(request, done)
            return redirect("alert_settings:rota")
    return render(
        request,
        "alerts/settings/rota.html",
        {
            "page": selectors.get_rota_page(request.viewer),
            "form": form,
            "field_errors": {form: _by_field(errors)},
            "values": {form: request.POST},
            "weekdays": Weekday.choices,
            "summary": _summary(form, errors),
        },
        status=400 if errors else 200,
    )


def _rota_command(request: HttpRequest, command: str) -> str:
    data, viewer = request.POST, request.viewer
    if command == "slot":
        slot = services.add_duty_slot(
            viewer=viewer,
            weekday=to_int(data.get("weekday")),
            starts=parse_time(data.get("starts")),
            ends=parse_time(data.get("ends")),
            user_id=to_int(data.get("user")),
            position=to_int(data.get("position")),
            request=request,
        )
        return f"{slot.user.get_full_name()} is on the rota {_slot_when(slot)}."
    if command == "cover":
        cover = services.add_duty_cover(
            viewer=viewer,
            date=parse_day(data.get("date")),
            starts=parse_time(data.get("starts")),
            ends=parse_time(data.get("ends")),
            user_id=to_int(data.get("user")),
            covering_for_id=_optional_id(data.get("covering_for")),
            request=request,
        )
        return f"Cover added: {_cover_text(cover)}."
    if command == "closure":
        closure = services.add_closure(
            viewer=viewer,
            first_day=parse_day(data.get("first_day")),
            last_day=parse_day(data.get("last_day")),
            name=data.get("name", ""),
            request=request,
        )
        return f"Closure added: {_closure_text(closure)}."
    if command == "escalation":
        settings = services.set_escalation(
            viewer=viewer, minutes=to_int(data.get("minutes")), request=request
        )
        minutes = settings.escalate_after_minutes
        return f"Alerts now escalate after {minutes} minute{'s' if minutes != 1 else ''}."
    raise Invalid({NON_FIELD: "Choose what to change."})


@school_view
def remove_slot(request: HttpRequest, pk: int) -> HttpResponse:
    _dsl_only(request)
    slot = selectors.get_slot(pk)
    return _confirm_then(
        request,
        what=f"{slot.user.get_full_name()}, {_slot_when(slot)}",
        remove=lambda: services.remove_duty_slot(
            viewer=request.viewer, slot_id=slot.pk, request=request
        ),
        done="Removed from the rota",
        title="Remove from the rota?",
        why="From then on, alerts at those times go to whoever else is on the rota, or to "
        "every DSL if no one is.",
        button="Remove from the rota",
        back="alert_settings:rota",
    )


@school_view
def remove_cover(request: HttpRequest, pk: int) -> HttpResponse:
    _dsl_only(request)
    cover = selectors.get_cover(pk)
    return _confirm_then(
        request,
        what=_cover_text(cover),
        remove=lambda: services.remove_duty_cover(
            viewer=request.viewer, cover_id=cover.pk, request=request
        ),
        done="Cover removed",
        title="Remove this cover?",
        why="The weekly rota applies again at those times.",
        button="Remove cover",
        back="alert_settings:rota",
    )


@school_view
def remove_closure(request: HttpRequest, pk: int) -> HttpResponse:
    _dsl_only(request)
    closure = selectors.get_closure(pk)
    return _confirm_then(
        request,
        what=_closure_text(closure),
        remove=lambda: services.remove_closure(
            viewer=request.viewer, closure_id=closure.pk, request=request
        ),
        done="Closure removed",
        title="Remove this closure?",
        why="On those days the weekly rota applies again.",
        button="Remove closure",
        back="alert_settings:rota",
    )


# Alert rules -------------------------------------------------------------------------------


@school_view
def rules_page(request: HttpRequest) -> HttpResponse:
    _dsl_only(request)
    return render(request, "alerts/settings/rules.html", {"page": selectors.get_rules_page()})


@school_view
def new_rule(request: HttpRequest) -> HttpResponse:
    _dsl_only(request)
    return _rule_form(request, None)


@school_view
def edit_rule(request: HttpRequest, pk: int) -> HttpResponse:
    _dsl_only(request)
    return _rule_form(request, selectors.get_rule(pk))


def _rule_form(request: HttpRequest, rule: AlertRule | None) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = request.POST
        chosen = {
            "category_id": _optional_id(data.get("category")),
            "role_ids": _ids(data.getlist("roles")),
            "staff_ids": _ids(data.getlist("staff")),
            "include_group_staff": data.get("group_staff") == "on",
            "include_dsl_on_duty": data.get("dsl_on_duty") == "on",
        }
        try:
            if rule is None:
                saved = services.create_alert_rule(viewer=request.viewer, request=request, **chosen)
            else:
                saved = services.update_alert_rule(
                    viewer=request.viewer, rule_id=rule.pk, request=request, **chosen
                )
        except Invalid as refused:
            errors = refused.errors
        else:
            messages.success(request, f"Saved. {selectors.describe_rule(saved).sentence}.")
            return redirect("alert_settings:rules")
        shown = {
            "category": data.get("category", ""),
            "roles": data.getlist("roles"),
            "staff": data.getlist("staff"),
            "group_staff": chosen["include_group_staff"],
            "dsl_on_duty": chosen["include_dsl_on_duty"],
        }
    elif rule is not None:
        shown = {
            "category": str(rule.category_id or ""),
            "roles": [str(role.pk) for role in rule.roles.all()],
            "staff": [str(person.pk) for person in rule.staff.all()],
            "group_staff": rule.include_group_staff,
            "dsl_on_duty": rule.include_dsl_on_duty,
        }
    else:
        shown = {"category": "", "roles": [], "staff": [], "group_staff": False,
                 "dsl_on_duty": False}  # fmt: skip
    return render(
        request,
        "alerts/settings/rule_form.html",
        {
            "rule": rule,
            "described": selectors.describe_rule(rule) if rule else None,
            "choices": selectors.get_rule_choices(rule),
            "shown": shown,
            "errors": _by_field(errors),
            "summary": _summary("rule", errors),
        },
        status=400 if errors else 200,
    )


@school_view
def delete_rule(request: HttpRequest, pk: int) -> HttpResponse:
    _dsl_only(request)
    rule = selectors.get_rule(pk)
    return _confirm_then(
        request,
        what=selectors.describe_rule(rule).sentence,
        remove=lambda: services.delete_alert_rule(
            viewer=request.viewer, rule_id=rule.pk, request=request
        ),
        done="Rule deleted",
        title="Delete this alert rule?",
        why="Incidents recorded from then on no longer alert these people by this rule. "
        "Alerts already sent stay in their inboxes.",
        button="Delete rule",
        back="alert_settings:rules",
    )


# Parsing and wording -----------------------------------------------------------------------


def parse_time(value: str | None) -> datetime.time | None:
    """'08:30' (what a time field sends), '8:30' or '8.30'; None for anything else."""
    match = _TIME.fullmatch((value or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    return datetime.time(hour, minute) if hour < 24 and minute < 60 else None


def parse_day(value: str | None) -> datetime.date | None:
    """'2026-11-29' (what a date field sends); None for anything else."""
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _optional_id(value: str | None) -> int | None:
    """Empty means none; anything else that is not an id is -1, which the service refuses."""
    value = (value or "").strip()
    return to_int(value, -1) if value else None


def _ids(values: list[str]) -> list[int]:
    return [to_int(value, -1) for value in values if value.strip()]


def _summary(form: str, errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Each problem with the id of what it is about, for the summary's links: the field,
    or the form's own error above its fields."""
    return [
        (f"{form}-form-error" if field == NON_FIELD else f"{form}-{field}", problem)
        for field, problems in errors.items()
        for problem in problems
    ]


def _by_field(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Templates cannot read "__all__": a form's own errors are under "form"."""
    return {
        ("form" if field == NON_FIELD else field): problems for field, problems in errors.items()
    }


def _slot_when(slot: DutySlot) -> str:
    return f"{slot.get_weekday_display()}s {_times(slot)} (order {slot.position})"


def _cover_text(cover: DutyCover) -> str:
    text = f"{cover.user.get_full_name()} on {_day(cover.date)}, {_times(cover)}"
    if cover.covering_for_id:
        return f"{text}, covering for {cover.covering_for.get_full_name()}"
    return f"{text}, first on duty"


def _closure_text(closure: Closure) -> str:
    if closure.first_day == closure.last_day:
        return f"{closure.name}, {_day(closure.first_day)}"
    return f"{closure.name}, {_day(closure.first_day)} to {_day(closure.last_day)}"


def _times(item: DutySlot | DutyCover) -> str:
    return f"{item.starts:%H:%M}{DASH}{item.ends:%H:%M}"


def _day(day: datetime.date) -> str:
    return format_date(day, "l j F Y")


def _confirm_then(
    request: HttpRequest, *, what: str, remove, done: str, back: str, **wording
) -> HttpResponse:
    """A removal's confirmation page (GET), and the removal itself (POST)."""
    if request.method == "POST":
        remove()
        messages.success(request, f"{done}: {what}.")
        return redirect(back)
    context = {"what": what, "back": reverse(back), **wording}
    return render(request, "alerts/settings/confirm.html", context)
