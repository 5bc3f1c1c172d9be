"""Who may use the trust pages and API: a signed-in trust lead, whose session (or API
token, made from such a session, for reading figures only) rests on a second factor. A
lead without a verified factor reaches no figure: the pages send them to set one up or
verify it."""

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

from accounts import factors
from accounts.models import User
from haven.access import signed_in
from trusts.models import TrustLead
from trusts.selectors import lead_of

ACCESS = "trust lead with a verified second factor"


def trust_lead(*, verified: bool = True) -> Callable:
    """Decorate a page view `view(request, lead, ...)` for trust leads only; with
    `verified`, only once this session has verified a second factor."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            lead = lead_of(request.user) if _on_platform() else None
            if lead is None:
                return render(request, "trusts/not_a_lead.html", status=403)
            if verified and not request.user.is_verified():
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('trusts:verify')}?{query}")
            return view(request, lead, *args, **kwargs)

        page = signed_in(guarded)
        page.haven_access = ACCESS if verified else "trust lead"
        return page

    return decorate


class IsVerifiedTrustLead(BasePermission):
    """The trust API: a trust lead, by a session verified with a second factor or by a
    token made from such a session, which works only while the lead still has a second
    factor and was made after their password and their second factors last changed (the
    tokens are deleted then too: trusts.signals)."""

    message = "Only trust leads with a second factor can use the trust API."

    def has_permission(self, request, view) -> bool:
        if not _on_platform():
            return False
        lead = lead_of(request.user)
        if lead is None:
            return False
        if isinstance(request.auth, AuthToken):
            ok = token_is_current(request.auth, lead, request.user)
        else:
            ok = verified_session(request)
        if ok:
            request.trust_lead = lead
        return ok


def verified_session(request) -> bool:
    """A signed-in session (not a token) verified with a second factor."""
    if isinstance(getattr(request, "auth", None), AuthToken):
        return False
    return bool(getattr(request.user, "is_verified", lambda: False)())


def token_is_current(token: AuthToken, lead: TrustLead, user: User) -> bool:
    """The lead (`user`) still has a second factor, and the token is younger than their
    password and their last change of second factors."""
    for changed in (user.password_changed_at, lead.factors_changed_at):
        if changed is not None and token.created <= changed:
            return False
    return factors.has_factor(user)


def _on_platform() -> bool:
    return connection.schema_name == get_public_schema_name()
