"""{% unread_count user %}: the header's inbox count, one COUNT query per page."""

from __future__ import annotations

from django import template
from django.db import connection
from django_tenants.utils import get_public_schema_name

from safeguarding.alerts.selectors import unread
from safeguarding.alerts.services import cannot_otherwise_see

register = template.Library()


@register.simple_tag
def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    if connection.schema_name == get_public_schema_name():
        return 0
    return unread(user).count()


@register.simple_tag
def alert_warning(member, category_ids) -> bool:
    """For the Add Incident form without JavaScript: the chip's warning, as alert_chip gives."""
    return cannot_otherwise_see(member, list(category_ids or ()))


@register.simple_tag
def staff_warned_for(staff, incident) -> set[int]:
    """For Add Action's alert list: the staff whose role cannot read every one of the
    incident's categories, so that alerting them is what lets them read it."""
    if not staff:
        return set()
    category_ids = list(incident.categories.values_list("pk", flat=True))
    return {member.pk for member in staff if cannot_otherwise_see(member, category_ids)}


@register.simple_tag
def picked(data, name: str) -> list[str]:
    """The values posted under `name` (a form shown again keeps its choices)."""
    return data.getlist(name) if hasattr(data, "getlist") else []
