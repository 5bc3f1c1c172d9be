"""Who may use the operator API."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name
from rest_framework.permissions import BasePermission


class IsPlatformOperator(BasePermission):
    message = "Only platform operators can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            connection.schema_name == get_public_schema_name()
            and user is not None
            and user.is_authenticated
            and user.is_operator
        )
