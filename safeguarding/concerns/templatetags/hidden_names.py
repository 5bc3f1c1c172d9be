"""Filters for what is written on an incident, as shown once a DSL hides its names:
{{ action.text|shown_on:incident }} and {{ file|file_label:incident }}."""

from __future__ import annotations

from django import template

from safeguarding.concerns import selectors
from safeguarding.concerns.models import Attachment, Incident

register = template.Library()


@register.filter
def shown_on(text: str, incident: Incident) -> str:
    return selectors.shown_text(incident, text)


@register.filter
def file_label(attachment: Attachment, incident: Incident) -> str:
    return selectors.file_label(incident, attachment)
