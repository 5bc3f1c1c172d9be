"""Who may use the console: a signed-in platform operator whose session rests on a second
factor (pages), or an operator's API token (issued only by `haven operator-token` on
the server). An operator without a verified factor reaches
nothing but the page that asks for one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_tenants.utils import get_public_schema_name
from knox.models import AuthToken
from rest_framework.permissions import BasePermission

from haven.access import signed_in

ACCESS = "platform operator with a verified second factor"


def is_operator(user) -> bool:
    return bool(
        connection.schema_name == get_public_schema_name()
        and user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_operator
    )


def operator_page(*, verified: bool = True) -> Callable:
    """Decorate a console page `view(request, ...)` for operators only; with `verified`,
    only once this session has verified a second factor."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not is_operator(request.user):
                return render(request, "console/not_an_operator.html", status=403)
            if verified and not request.user.is_verified():
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('console:verify')}?{query}")
            return view(request, *args, **kwargs)

        page = signed_in(guarded)
        page.haven_access = ACCESS if verified else "platform operator"
        return page

    return decorate


class IsVerifiedOperator(BasePermission):
    """The operator API: an operator's token, or a session verified with a second factor."""

    message = "Only platform operators with a verified second factor can do this."

    def has_permission(self, request, view) -> bool:
        if not is_operator(request.user):
            return False
        if isinstance(request.auth, AuthToken):
            return True
        return bool(getattr(request.user, "is_verified", lambda: False)())
