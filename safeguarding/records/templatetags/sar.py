"""{{ text|redactions_marked }}: text with each redaction mark highlighted, so that the review
of a subject access request shows at a glance what was taken out."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from safeguarding.records.sar_selectors import MARKS

register = template.Library()

_MARKED = re.compile("|".join(re.escape(escape(mark)) for mark in MARKS))


@register.filter
def redactions_marked(text: str) -> SafeString:
    """The text escaped, then each mark wrapped in <mark>: nothing written can add markup."""
    return mark_safe(  # noqa: S308 (escaped first; only our own <mark> is added)
        _MARKED.sub(lambda m: f'<mark class="redacted">{m.group(0)}</mark>', escape(text))
    )
