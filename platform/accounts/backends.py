"""Signing in by email, and loading who someone is at this school with their account."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Model
from django_tenants.utils import get_public_schema_name

from accounts.models import User


class HavenBackend(ModelBackend):
    def get_user(self, user_id) -> User | None:
        """On a school's host the member of staff's profile and role come in the same query
        as their account: every school page asks the access policy about them."""
        if connection.schema_name == get_public_schema_name():
            user = User._default_manager.filter(pk=user_id).first()
        else:
            user = _user_with_profile_and_role(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _user_with_profile_and_role(user_id) -> User | None:
    """What select_related("staff_profile__role") gives, in one plain query. Every school
    page makes it, and building that query through the ORM took longer than running it
    (bench/incidents.py)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    if not 0 < user_id < 2**63:
        return None
    sql, models = _user_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    rows, start = [], 0
    for model in models:
        names = [field.attname for field in model._meta.concrete_fields]
        values = row[start : start + len(names)]
        start += len(names)
        present = values[names.index(model._meta.pk.attname)] is not None
        rows.append(model.from_db(connection.alias, names, values) if present else None)
    user, profile, role = rows
    User.staff_profile.related.set_cached_value(user, profile)
    if profile is not None:
        type(profile).user.field.set_cached_value(profile, user)
        type(profile).role.field.set_cached_value(profile, role)
    return user


@cache
def _user_query() -> tuple[str, tuple[type[Model], ...]]:
    profile_model = User.staff_profile.related.related_model
    role_model = profile_model.role.field.related_model
    models = (User, profile_model, role_model)
    columns = ", ".join(
        f'{alias}."{field.column}"'
        for alias, model in zip("upr", models, strict=True)
        for field in model._meta.concrete_fields
    )
    sql = (
        f"SELECT {columns} FROM {User._meta.db_table} u "  # noqa: S608 (the models' own tables)
        f"LEFT JOIN {profile_model._meta.db_table} p ON p.user_id = u.id "
        f"LEFT JOIN {role_model._meta.db_table} r ON r.id = p.role_id WHERE u.id = %s"
    )
    return sql, models
