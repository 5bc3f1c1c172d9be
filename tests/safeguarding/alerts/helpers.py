"""Small helpers shared by the alert tests."""

from __future__ import annotations

from safeguarding.concerns.models import Category


def category(label: str) -> Category:
    """'Behaviour' or 'Safeguarding: CP plan'."""
    parent, _, child = label.partition(": ")
    if child:
        return Category.objects.get(name=child, parent__name=parent)
    return Category.objects.get(name=parent, parent__isnull=True)
