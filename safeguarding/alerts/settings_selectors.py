"""Reads for the safeguarding team's alert settings pages: the rota as a week with its cover,
closures and who is on duty now, and the alert rules in plain words. No pupil data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from safeguarding.access.models import Level, Role
from safeguarding.access.policy import Viewer
from safeguarding.alerts import rota
from safeguarding.alerts.models import (
    AlertRule,
    AlertSettings,
    Closure,
    DutyCover,
    DutySlot,
    Weekday,
)
from safeguarding.concerns.models import Category
from safeguarding.errors import NotFound

_BIGINT = 2**63
_LEVEL_ORDER = {level: rank for rank, level in enumerate(Level.values)}


# The rota ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyNow:
    """Who an alert for the DSL on duty goes to at this moment."""

    in_hours: bool
    # The active DSLs of the duty chain: the DSL on duty first, then who it escalates to.
    chain: list[User]
    # Today's closure, when the school is closed.
    closure: Closure | None


@dataclass(frozen=True)
class RotaDay:
    weekday: int
    name: str
    slots: list[DutySlot]


@dataclass(frozen=True)
class RotaPage:
    days: list[RotaDay]
    has_slots: bool
    covers: list[DutyCover]
    closures: list[Closure]
    settings: AlertSettings
    now: DutyNow
    # For the pickers: who may be put on the rota, and who may be covered for.
    dsls: list[User]
    covered: list[User]
    today: datetime.date


def get_rota_page(viewer: Viewer) -> RotaPage:
    """The week, Monday to Friday always and a weekend day once it has a slot; cover and
    closures from today on. Slots, cover and pickers carry `still_dsl`, False for someone
    deactivated or moved to another role since (the alerts pass them by)."""
    today = timezone.localdate()
    slots = list(DutySlot.objects.select_related("user__staff_profile__role"))
    covers = list(
        DutyCover.objects.filter(date__gte=today).select_related(
            "user__staff_profile__role", "covering_for__staff_profile__role"
        )
    )
    for item in [*slots, *covers]:
        item.still_dsl = is_active_dsl(item.user)
    days = [
        RotaDay(day, label, [s for s in slots if s.weekday == day])
        for day, label in Weekday.choices
        if day < Weekday.SATURDAY or any(s.weekday == day for s in slots)
    ]
    covered = list(dsl_members(active_only=False))
    for person in covered:
        person.still_dsl = person.is_active
    return RotaPage(
        days=days,
        has_slots=bool(slots),
        covers=covers,
        closures=list(Closure.objects.filter(last_day__gte=today)),
        settings=AlertSettings.current(),
        now=duty_now(viewer),
        dsls=[person for person in covered if person.is_active],
        covered=covered,
        today=today,
    )


def duty_now(viewer: Viewer) -> DutyNow:
    """As the alerts see it (alerts.rota): the chain's active DSLs; with none, or out of
    hours, an alert for the DSL on duty goes to every DSL."""
    now = timezone.now()
    duty = rota.duty_at(rota.school_rota(viewer), now)
    people = {user.pk: user for user in dsl_members().filter(pk__in=duty.chain)}
    today = timezone.localdate(now)
    return DutyNow(
        in_hours=duty.in_hours,
        chain=[people[pk] for pk in duty.chain if pk in people],
        closure=Closure.objects.filter(first_day__lte=today, last_day__gte=today).first(),
    )


def dsl_members(*, active_only: bool = True) -> QuerySet[User]:
    """The school's DSLs: staff whose role is at full + admin level."""
    members = User.objects.filter(staff_profile__role__level=Level.FULL_ADMIN).select_related(
        "staff_profile__role"
    )
    if active_only:
        members = members.filter(is_active=True)
    return members.order_by("-is_active", "full_name", "email")


def is_active_dsl(user: User) -> bool:
    profile = getattr(user, "staff_profile", None)
    return user.is_active and profile is not None and profile.role.level == Level.FULL_ADMIN


def get_slot(slot_id: int) -> DutySlot:
    return _found(DutySlot.objects.select_related("user"), slot_id, "No such place on the rota.")


def get_cover(cover_id: int) -> DutyCover:
    return _found(
        DutyCover.objects.select_related("user", "covering_for"), cover_id, "No such cover."
    )


def get_closure(closure_id: int) -> Closure:
    return _found(Closure.objects.all(), closure_id, "No such closure.")


# Alert rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    rule: AlertRule
    # "Child Protection (and its subcategories)", "Every category".
    applies_to: str
    # "SLT, Heads of School, staff of the pupil's groups".
    alerts: str
    retired_category: bool

    @property
    def sentence(self) -> str:
        return f"{self.applies_to}: {self.alerts}"


@dataclass(frozen=True)
class RulesPage:
    rows: list[RuleRow]
    # Restricted categories in use that no rule covers: their incidents alert by name only.
    uncovered: list[Category]


def get_rules_page() -> RulesPage:
    """The rules for every category first, then by category, each in plain words."""
    rules = list(
        AlertRule.objects.select_related("category__parent").prefetch_related(
            "roles", "staff__staff_profile"
        )
    )
    rules.sort(
        key=lambda r: (r.category is not None, _category_order(r.category) if r.category else ())
    )
    covered = {rule.category_id for rule in rules}
    uncovered = sorted(
        (
            category
            for category in Category.objects.filter(
                restricted=True, retired_at__isnull=True
            ).select_related("parent")
            if category.pk not in covered and category.parent_id not in covered
        ),
        key=_category_order,
    )
    return RulesPage(rows=[describe_rule(rule) for rule in rules], uncovered=uncovered)


def describe_rule(rule: AlertRule) -> RuleRow:
    """Roles from the widest level down (SLT before Heads of School), then named staff,
    the staff of the pupil's groups and the DSL on duty."""
    if rule.category is None:
        applies_to = "Every category"
    elif rule.category.parent_id:
        applies_to = rule.category.label
    else:
        applies_to = f"{rule.category.label} (and its subcategories)"
    roles = sorted(rule.roles.all(), key=lambda r: (_LEVEL_ORDER.get(r.level, 99), r.name))
    staff = sorted(rule.staff.all(), key=lambda u: (u.full_name.lower(), u.email))
    parts = [role.name for role in roles]
    parts += [
        person.get_full_name() + ("" if person.is_active else " (deactivated)") for person in staff
    ]
    if rule.include_group_staff:
        parts.append("staff of the pupil's groups")
    if rule.include_dsl_on_duty:
        parts.append("the DSL on duty")
    return RuleRow(
        rule=rule,
        applies_to=applies_to,
        alerts=", ".join(parts) or "no one",
        retired_category=bool(rule.category and rule.category.retired_at),
    )


def get_rule(rule_id: int) -> AlertRule:
    return _found(
        AlertRule.objects.select_related("category__parent").prefetch_related("roles", "staff"),
        rule_id,
        "No such alert rule.",
    )


@dataclass(frozen=True)
class RuleChoices:
    categories: list[Category]
    roles: list[Role]
    staff: list[User]


def get_rule_choices(rule: AlertRule | None = None) -> RuleChoices:
    """Categories in use, top-level ones each followed by their subcategories (and the
    rule's own, even if retired since); every role; active staff, and anyone the rule
    already names."""
    keep = Q(retired_at__isnull=True)
    named: list[int] = []
    if rule is not None:
        if rule.category_id:
            keep |= Q(pk=rule.category_id)
        named = [person.pk for person in rule.staff.all()]
    categories = sorted(Category.objects.filter(keep).select_related("parent"), key=_category_order)
    roles = sorted(Role.objects.all(), key=lambda r: (_LEVEL_ORDER.get(r.level, 99), r.name))
    staff = list(
        User.objects.filter(staff_profile__isnull=False)
        .filter(Q(is_active=True) | Q(pk__in=named))
        .select_related("staff_profile__role")
        .order_by("full_name", "email")
    )
    return RuleChoices(categories=categories, roles=roles, staff=staff)


def _category_order(category: Category) -> tuple:
    """As the categories page lists them: each top-level one followed by its subcategories."""
    top = category.parent or category
    return (top.position, top.name.lower(), category.parent_id is not None, category.position,
            category.name.lower())  # fmt: skip


def _found(queryset, pk: int, message: str):
    found = queryset.filter(pk=pk).first() if -_BIGINT <= pk < _BIGINT else None
    if found is None:
        raise NotFound(message)
    return found
