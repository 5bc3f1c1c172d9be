"""Every page and API route on both kinds of host says who may reach it: a route added
without a decision fails here, before it can leak anything."""

from __future__ import annotations

import importlib

import pytest
from django.urls import URLPattern, URLResolver
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _decision(callback) -> str | None:
    """What the route declares, or None when it declares nothing."""
    api = getattr(callback, "cls", None)
    if api is not None and issubclass(api, APIView):
        for klass in api.__mro__:
            if klass is APIView:
                return None
            if "permission_classes" in vars(klass):
                return ", ".join(p.__name__ for p in klass.permission_classes)
    view_class = getattr(callback, "view_class", None)
    return getattr(view_class, "haven_access", None) or getattr(callback, "haven_access", None)


ROUTES = [
    (conf, route, callback)
    for conf in ("haven.urls_school", "haven.urls_public")
    for route, callback in _routes(importlib.import_module(conf).urlpatterns)
]


@pytest.mark.parametrize(
    ("conf", "route", "callback"), ROUTES, ids=[f"{c}:{r}" for c, r, _ in ROUTES]
)
def test_the_route_declares_who_may_reach_it(conf, route, callback):
    assert _decision(callback), f"{route} on {conf} declares no access rule"


def test_only_the_routes_meant_to_be_public_are(db):
    public = {
        route
        for conf, route, callback in ROUTES
        if _decision(callback) in ("public", AllowAny.__name__)
    }
    assert public <= {
        "accounts/login/",
        "accounts/logout/",
        "accounts/set-password/<uidb64>/<token>/",
        "accounts/reset-password/",
        "api/schema/",
        # A receiving school not on Haven confirms receipt of a file; the token is the key.
        "transfers/receipt/<str:token>/",
    }, public


def test_there_are_routes_to_check():
    assert len(ROUTES) > 30
