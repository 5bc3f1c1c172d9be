"""Signing in by email, and loading who someone is at this school with their account."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django_tenants.utils import get_public_schema_name

from accounts.models import User


class HavenBackend(ModelBackend):
    def get_user(self, user_id) -> User | None:
        """On a school's host the member of staff's profile and role come in the same query
        as their account: every school page asks the access policy about them."""
        users = User._default_manager
        if connection.schema_name != get_public_schema_name():
            users = users.select_related("staff_profile__role")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
