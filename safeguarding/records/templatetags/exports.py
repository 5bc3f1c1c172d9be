"""{% if request.viewer|may_export %}: whether a page offers exports, as the policy says."""

from __future__ import annotations

from django import template

from safeguarding.access import policy
from safeguarding.access.policy import Viewer

register = template.Library()


@register.filter
def may_export(viewer: Viewer | str) -> bool:
    """False for anything but a viewer (a page without one passes an empty string)."""
    return isinstance(viewer, Viewer) and policy.may_export(viewer)
