"""{% chronology_list entries %}: a pupil's chronology as an ordered list.

Built with format_html rather than a template loop: a chronology runs to hundreds of
entries, and the template engine's per-variable lookups dominated the page's time.
Every value is escaped exactly as the template would escape it.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from safeguarding.concerns.selectors import ChronologyEntry

register = template.Library()

SUMMARY = 400  # characters of each entry's text shown in the chronology


@register.simple_tag
def chronology_list(entries: list[ChronologyEntry]) -> SafeString:
    prefix = reverse("concerns:incident", kwargs={"pk": 0}).removesuffix("0/")
    return format_html(
        '<ol class="timeline">{}</ol>',
        format_html_join("", "{}", ((_item(e, prefix),) for e in entries)),
    )


def _item(entry: ChronologyEntry, prefix: str) -> SafeString:
    if entry.kind == "incident":
        role = f" ({entry.role.lower()})" if entry.role else ""
        heading = f"incident{role} by {entry.author}"
    else:
        heading = f"{entry.what.lower()} by {entry.author}"
    tags = (
        format_html(
            "<p>{}</p>",
            format_html_join(
                "", '<span class="tag">{}</span>', ((label,) for label in entry.labels)
            ),
        )
        if entry.labels
        else ""
    )
    text = (
        entry.text if len(entry.text) <= SUMMARY else entry.text[:SUMMARY].rsplit(" ", 1)[0] + "…"
    )
    return format_html(
        '<li class="card entry-{}"><p class="meta">{} · <a href="{}{}/">{}</a> · {}</p>{}{}</li>',
        entry.kind,
        timezone.localtime(entry.when).strftime("%-d %b %Y, %H:%M"),
        prefix,
        entry.incident_id,
        entry.reference,
        heading,
        tags,
        format_html('<p class="summary">{}</p>', text) if text else "",
    )
