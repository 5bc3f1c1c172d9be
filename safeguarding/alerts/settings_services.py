"""Writes to a school's alert settings, for the safeguarding team only: the DSL rota (weekly
slots, cover, closures), how soon an unacknowledged alert escalates, and the alert rules.

Each function checks all of its input first (every problem, per field, in one `Invalid`),
then writes in one transaction with its audit entry. The rota's and the rules' tables
advance the school's policy version by trigger, so what alerts keep per version is renewed
by the write itself."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.models import Level, Role
from safeguarding.access.policy import Viewer
from safeguarding.alerts.models import (
    AlertRule,
    AlertSettings,
    Closure,
    DutyCover,
    DutySlot,
    Weekday,
)
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns.models import Category
from safeguarding.errors import NON_FIELD, Invalid, NotFound, NotPermitted, Problems
from safeguarding.text import clean_text

POSITIONS = range(1, 10)
ESCALATION_MINUTES = range(1, 241)
CLOSURE_NAME_LIMIT = Closure._meta.get_field("name").max_length
# The audit log holds at most 50 ids in a list; a longer list is what a role is for.
NAMED_STAFF_LIMIT = 50
_BIGINT = 2**63


# The weekly rota ---------------------------------------------------------------------------


def add_duty_slot(
    *,
    viewer: Viewer,
    weekday: int | None,
    starts: datetime.time | None,
    ends: datetime.time | None,
    user_id: int | None,
    position: int | None = 1,
    request: HttpRequest | None = None,
) -> DutySlot:
    """Put a DSL on the weekly rota on one day between two times. Where slots overlap, the
    lowest position is the DSL on duty and the next is who an alert escalates to."""
    _require_dsl(viewer)
    problems = Problems()
    if weekday not in Weekday.values:
        problems.add("weekday", "Choose a day of the week.")
    _check_times(starts, ends, problems)
    user = _active_dsl(user_id, problems, "user")
    if position not in POSITIONS:
        problems.add("position", "The order is a number from 1 to 9.")
    problems.raise_if_any()
    with transaction.atomic():
        slot = DutySlot.objects.create(
            weekday=weekday, starts=starts, ends=ends, user=user, position=position
        )
        _audit(viewer, request, "duty_slot", slot.pk, change="added", weekday=weekday,
               starts=_hhmm(starts), ends=_hhmm(ends), user=user.pk, position=position)  # fmt: skip
    _forget(viewer)
    return slot


def remove_duty_slot(*, viewer: Viewer, slot_id: int, request: HttpRequest | None = None) -> None:
    _require_dsl(viewer)
    with transaction.atomic():
        slot = DutySlot.objects.select_for_update().filter(pk=_id(slot_id)).first()
        if slot is None:
            raise NotFound("No such place on the rota.")
        slot.delete()
        _audit(viewer, request, "duty_slot", slot_id, change="removed", weekday=slot.weekday,
               starts=_hhmm(slot.starts), ends=_hhmm(slot.ends), user=slot.user_id,
               position=slot.position)  # fmt: skip
    _forget(viewer)


# Cover -------------------------------------------------------------------------------------


def add_duty_cover(
    *,
    viewer: Viewer,
    date: datetime.date | None,
    starts: datetime.time | None,
    ends: datetime.time | None,
    user_id: int | None,
    covering_for_id: int | None = None,
    request: HttpRequest | None = None,
) -> DutyCover:
    """On one day from today on, a DSL takes another's place on the rota between two times,
    or, covering for no one, leads the duty chain then."""
    _require_dsl(viewer)
    problems = Problems()
    if date is None:
        problems.add("date", "Enter the date like 29/11/2026.")
    elif date < timezone.localdate():
        problems.add("date", "That date has passed: cover can be added for today or later.")
    _check_times(starts, ends, problems)
    user = _active_dsl(user_id, problems, "user")
    covering_for = None
    if covering_for_id is not None:
        covering_for = _dsl_for_cover(covering_for_id, problems)
        if covering_for is not None and user is not None and covering_for.pk == user.pk:
            problems.add("covering_for", "Someone cannot cover for themselves.")
    problems.raise_if_any()
    with transaction.atomic():
        cover = DutyCover.objects.create(
            date=date, starts=starts, ends=ends, user=user, covering_for=covering_for
        )
        _audit(viewer, request, "duty_cover", cover.pk, change="added", date=date.isoformat(),
               starts=_hhmm(starts), ends=_hhmm(ends), user=user.pk,
               covering_for=covering_for.pk if covering_for else None)  # fmt: skip
    _forget(viewer)
    return cover


def remove_duty_cover(*, viewer: Viewer, cover_id: int, request: HttpRequest | None = None) -> None:
    _require_dsl(viewer)
    with transaction.atomic():
        cover = DutyCover.objects.select_for_update().filter(pk=_id(cover_id)).first()
        if cover is None:
            raise NotFound("No such cover.")
        cover.delete()
        _audit(viewer, request, "duty_cover", cover_id, change="removed",
               date=cover.date.isoformat(), user=cover.user_id,
               covering_for=cover.covering_for_id)  # fmt: skip
    _forget(viewer)


# Closures ----------------------------------------------------------------------------------


def add_closure(
    *,
    viewer: Viewer,
    first_day: datetime.date | None,
    last_day: datetime.date | None,
    name: str,
    request: HttpRequest | None = None,
) -> Closure:
    """Days the school is closed: out of hours all day, so alerts go to every DSL."""
    _require_dsl(viewer)
    problems = Problems()
    if first_day is None:
        problems.add("first_day", "Enter the first day like 22/12/2026.")
    if last_day is None:
        problems.add("last_day", "Enter the last day like 2/1/2027.")
    if first_day and last_day and last_day < first_day:
        problems.add("last_day", "The last day is before the first day.")
    name = (name or "").strip()
    if len(name) > CLOSURE_NAME_LIMIT:
        problems.add("name", f"Keep the name to {CLOSURE_NAME_LIMIT} characters or fewer.")
    else:
        try:
            name = clean_text(name, label="name", limit=CLOSURE_NAME_LIMIT)
        except ValueError as error:
            problems.add("name", str(error))
    problems.raise_if_any()
    with transaction.atomic():
        closure = Closure.objects.create(first_day=first_day, last_day=last_day, name=name)
        _audit(viewer, request, "closure", closure.pk, change="added",
               first_day=first_day.isoformat(), last_day=last_day.isoformat())  # fmt: skip
    _forget(viewer)
    return closure


def remove_closure(*, viewer: Viewer, closure_id: int, request: HttpRequest | None = None) -> None:
    _require_dsl(viewer)
    with transaction.atomic():
        closure = Closure.objects.select_for_update().filter(pk=_id(closure_id)).first()
        if closure is None:
            raise NotFound("No such closure.")
        closure.delete()
        _audit(viewer, request, "closure", closure_id, change="removed",
               first_day=closure.first_day.isoformat(),
               last_day=closure.last_day.isoformat())  # fmt: skip
    _forget(viewer)


# Escalation --------------------------------------------------------------------------------


def set_escalation(
    *, viewer: Viewer, minutes: int | None, request: HttpRequest | None = None
) -> AlertSettings:
    """How long the DSL on duty has to mark an alert read before it goes to the next DSL.
    Applies to incidents recorded from now on; those waiting keep the time they were given."""
    _require_dsl(viewer)
    if minutes not in ESCALATION_MINUTES:
        raise Invalid({"minutes": "Enter a number of minutes from 1 to 240."})
    with transaction.atomic():
        settings, _ = AlertSettings.objects.select_for_update().get_or_create(pk=1)
        before = settings.escalate_after_minutes
        settings.escalate_after_minutes = minutes
        settings.save(update_fields=["escalate_after_minutes"])
        _audit(viewer, request, "alert_settings", settings.pk, change="escalation",
               minutes_from=before, minutes_to=minutes)  # fmt: skip
    _forget(viewer)
    return settings


# Alert rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Audience:
    category: Category | None
    roles: list[Role]
    staff: list[User]
    group_staff: bool
    dsl_on_duty: bool


def create_alert_rule(
    *,
    viewer: Viewer,
    category_id: int | None,
    role_ids: Sequence[int] = (),
    staff_ids: Sequence[int] = (),
    include_group_staff: bool = False,
    include_dsl_on_duty: bool = False,
    request: HttpRequest | None = None,
) -> AlertRule:
    """A rule: an incident in this category (and its subcategories; None for every
    category) alerts these roles, these named staff, the staff of the pupil's groups and
    the DSL on duty, as ticked. A rule has to alert someone."""
    _require_dsl(viewer)
    audience = _checked_audience(
        category_id, role_ids, staff_ids, include_group_staff, include_dsl_on_duty
    )
    with transaction.atomic():
        rule = AlertRule(category=audience.category)
        _save_rule(rule, audience)
        _audit_rule(viewer, request, rule, audience, "added")
    _forget(viewer)
    return rule


def update_alert_rule(
    *,
    viewer: Viewer,
    rule_id: int,
    category_id: int | None,
    role_ids: Sequence[int] = (),
    staff_ids: Sequence[int] = (),
    include_group_staff: bool = False,
    include_dsl_on_duty: bool = False,
    request: HttpRequest | None = None,
) -> AlertRule:
    """Replace what a rule says. Alerts already sent stay as they were."""
    _require_dsl(viewer)
    audience = _checked_audience(
        category_id, role_ids, staff_ids, include_group_staff, include_dsl_on_duty
    )
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().filter(pk=_id(rule_id)).first()
        if rule is None:
            raise NotFound("No such alert rule.")
        rule.category = audience.category
        _save_rule(rule, audience)
        _audit_rule(viewer, request, rule, audience, "changed")
    _forget(viewer)
    return rule


def delete_alert_rule(*, viewer: Viewer, rule_id: int, request: HttpRequest | None = None) -> None:
    _require_dsl(viewer)
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().filter(pk=_id(rule_id)).first()
        if rule is None:
            raise NotFound("No such alert rule.")
        category_id = rule.category_id
        rule.delete()
        _audit(viewer, request, "alert_rule", rule_id, change="deleted", category=category_id)
    _forget(viewer)


def _checked_audience(category_id, role_ids, staff_ids, group_staff, dsl_on_duty) -> _Audience:
    problems = Problems()
    category = None
    if category_id is not None:
        category = Category.objects.select_related("parent").filter(pk=_id(category_id)).first()
        if category is None:
            problems.add("category", "Choose a category from the list, or every category.")
    role_ids, staff_ids = _ids(role_ids), _ids(staff_ids)
    roles = list(Role.objects.filter(pk__in=role_ids or []))
    if role_ids is None or len(roles) != len(role_ids):
        problems.add("roles", "Choose roles from the list.")
    staff = list(User.objects.filter(pk__in=staff_ids or [], staff_profile__isnull=False))
    gone = [person for person in staff if not person.is_active]
    if staff_ids is None or len(staff) != len(staff_ids):
        problems.add("staff", "Choose members of staff from the list.")
    elif gone:
        names = ", ".join(person.get_full_name() for person in gone)
        problems.add("staff", f"Deactivated staff cannot be alerted: untick {names}.")
    elif len(staff) > NAMED_STAFF_LIMIT:
        problems.add(
            "staff",
            f"Name at most {NAMED_STAFF_LIMIT} members of staff; to alert more, choose a role.",
        )
    if not (role_ids or staff_ids or group_staff or dsl_on_duty):
        problems.add(
            NON_FIELD,
            "Choose who this rule alerts: a role, a member of staff, the staff of the pupil's "
            "groups or the DSL on duty.",
        )
    problems.raise_if_any()
    return _Audience(category, roles, staff, bool(group_staff), bool(dsl_on_duty))


def _save_rule(rule: AlertRule, audience: _Audience) -> None:
    rule.include_group_staff = audience.group_staff
    rule.include_dsl_on_duty = audience.dsl_on_duty
    rule.save()
    rule.roles.set(audience.roles)
    rule.staff.set(audience.staff)


def _audit_rule(viewer, request, rule: AlertRule, audience: _Audience, change: str) -> None:
    _audit(viewer, request, "alert_rule", rule.pk, change=change,
           category=rule.category_id, roles=sorted(r.pk for r in audience.roles),
           staff=sorted(u.pk for u in audience.staff), group_staff=audience.group_staff,
           dsl_on_duty=audience.dsl_on_duty)  # fmt: skip


# Checks and helpers ------------------------------------------------------------------------


def _require_dsl(viewer: Viewer) -> None:
    if not policy.may_manage_school(viewer):
        raise NotPermitted("Only the safeguarding team can change alert rules and the DSL rota.")


def _forget(viewer: Viewer) -> None:
    """The write advanced the policy version: the rest of this request reads afresh."""
    viewer.forget_categories()


def _check_times(starts, ends, problems: Problems) -> None:
    if starts is None:
        problems.add("starts", "Enter the start time like 08:30.")
    if ends is None:
        problems.add("ends", "Enter the end time like 16:30.")
    if starts is not None and ends is not None and ends <= starts:
        problems.add(
            "ends", "The end time must be after the start time (for a night, add two entries)."
        )


def _dsls():
    return User.objects.filter(staff_profile__role__level=Level.FULL_ADMIN)


def _active_dsl(user_id: int | None, problems: Problems, name: str) -> User | None:
    """An active member of the safeguarding team; anyone else is refused by name."""
    if user_id is None:
        problems.add(name, "Choose a DSL.")
        return None
    user = _dsls().filter(pk=_id(user_id), is_active=True).first()
    if user is not None:
        return user
    other = User.objects.filter(pk=_id(user_id), staff_profile__isnull=False).first()
    if other is None:
        problems.add(name, "Choose a DSL from the list.")
    elif not other.is_active:
        problems.add(name, f"{other.get_full_name()} is deactivated, so cannot be on duty.")
    else:
        problems.add(
            name,
            f"{other.get_full_name()} is not a DSL: only the safeguarding team can be on the rota.",
        )
    return None


def _dsl_for_cover(user_id: int, problems: Problems) -> User | None:
    """Whoever is covered for is a DSL; deactivated ones too, as their rota places remain."""
    user = _dsls().filter(pk=_id(user_id)).first()
    if user is None:
        problems.add("covering_for", "Choose the DSL being covered for from the list.")
    return user


def _id(value: int | None) -> int | None:
    """An id the database could hold, or None (which finds nothing)."""
    return value if value is not None and -_BIGINT <= value < _BIGINT else None


def _ids(values) -> list[int] | None:
    """Distinct ids in order, or None if any is not a whole number a bigint holds."""
    try:
        ids = list(dict.fromkeys(int(value) for value in values or ()))
    except (TypeError, ValueError):
        return None
    return ids if all(-_BIGINT <= pk < _BIGINT for pk in ids) else None


def _hhmm(time: datetime.time) -> str:
    return time.strftime("%H:%M")


def _audit(viewer: Viewer, request, object_type: str, object_id: int, **detail) -> None:
    audit.record(
        action=AuditAction.ALERT_SETTINGS_CHANGED,
        actor=viewer.user,
        object_type=object_type,
        object_id=object_id,
        request=request,
        detail=detail,
    )
