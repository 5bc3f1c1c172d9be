"""Writes to roles and their category levels."""

from __future__ import annotations

from collections.abc import Iterable

from safeguarding.access.defaults import DEFAULT_ROLES, HEADS_OF_SCHOOL
from safeguarding.access.models import CategoryLevel, CategoryPermission, Role
from safeguarding.concerns.models import Category


def create_default_roles(*, heads_of_school_categories: Iterable[Category] = ()) -> dict[str, Role]:
    """The Abbey policy's roles, with the areas it opens fully to Heads of School."""
    roles = {
        name: Role.objects.create(name=name, level=level, requires_2fa=requires_2fa)
        for name, level, requires_2fa in DEFAULT_ROLES
    }
    CategoryPermission.objects.bulk_create(
        CategoryPermission(
            role=roles[HEADS_OF_SCHOOL], category=category, level=CategoryLevel.RECORD
        )
        for category in heads_of_school_categories
    )
    return roles


def ensure_default_roles() -> dict[str, Role]:
    """The default roles, creating any a school does not have (by name)."""
    existing = {role.name: role for role in Role.objects.all()}
    for name, level, requires_2fa in DEFAULT_ROLES:
        if name not in existing:
            existing[name] = Role.objects.create(name=name, level=level, requires_2fa=requires_2fa)
    return existing


def set_category_level(*, role: Role, category: Category, level: str) -> CategoryPermission:
    permission, _ = CategoryPermission.objects.update_or_create(
        role=role, category=category, defaults={"level": CategoryLevel(level)}
    )
    return permission
