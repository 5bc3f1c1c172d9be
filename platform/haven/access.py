"""Every view says who may reach it. These markers make that explicit, and
tests/haven/test_every_route_is_guarded.py fails for any route without one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.decorators import login_required

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    """Reachable without signing in (sign-in, password links, the platform's front page)."""
    view.haven_access = "public"
    return view


def signed_in(view: View) -> View:
    """Anyone signed in on this host; what they then see is for the view to decide."""
    guarded = login_required(view)
    guarded.haven_access = "signed in"
    return guarded
