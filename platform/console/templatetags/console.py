from django import template

from console.audit import Act

register = template.Library()


@register.filter
def act_label(act: str) -> str:
    """The words for an audit entry's act; the code itself for one no longer listed."""
    return Act.LABELS.get(act, act)
