"""Writes to roles and their category levels; a change of level is audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from safeguarding.access.defaults import DEFAULT_ROLES, HEADS_OF_SCHOOL
from safeguarding.access.models import CategoryLevel, CategoryPermission, Role
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
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


def set_category_level(
    *,
    role: Role,
    category: Category,
    level: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> CategoryPermission:
    """Give `role` this level in `category`; the change is in the audit log, with who made
    it (`actor`, else the request's user, else nobody: a setup script)."""
    level = CategoryLevel(level)
    with transaction.atomic():
        before = (
            CategoryPermission.objects.select_for_update()
            .filter(role=role, category=category)
            .values_list("level", flat=True)
            .first()
        )
        permission, _ = CategoryPermission.objects.update_or_create(
            role=role, category=category, defaults={"level": level}
        )
        audit.record(
            action=AuditAction.PERMISSION_CHANGED,
            actor=actor,
            object_type="category",
            object_id=category.pk,
            request=request,
            detail={"role": role.pk, "from": before, "to": str(level)},
        )
    return permission
