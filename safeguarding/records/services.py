"""Exporting a pupil's chronology: refused (and audited) for anyone without the right,
checked before anything is built, built through the access policy, rendered, and audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns.selectors import visible_pupil
from safeguarding.errors import NotPermitted, Problems
from safeguarding.records.forms import FORMATS, ExportChoice
from safeguarding.records.selectors import (
    ExportFilters,
    chronology_for_export,
    exportable_categories,
)
from safeguarding.records.spreadsheet import chronology_csv

# Before this, a date is a slip of the keyboard: no pupil on roll has a record that old.
EARLIEST = datetime.date(1990, 1, 1)
_AUDIT_LIST_LIMIT = 50  # audit.record's limit on a list in its detail
_CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    filename: str  # the pupil's id and the date, never a name


def refuse_unless_may_export(
    *, viewer: Viewer, pupil_id: int, request: HttpRequest | None = None, file_format: str = ""
) -> None:
    """NotPermitted, with the reason in words, for anyone the policy does not let export;
    the attempt goes in the audit log first. The same answer whether or not the pupil
    exists, so a refusal tells nothing about who is on roll."""
    if policy.may_export(viewer):
        return
    audit.record(
        action=AuditAction.EXPORT_REFUSED,
        actor=viewer.user,
        object_type="pupil",
        object_id=audit.loggable_id(pupil_id),
        pupil_id=audit.loggable_id(pupil_id),
        request=request,
        detail={
            "format": file_format if file_format in FORMATS else None,
            "reason": "second_factor" if viewer.held else "role",
        },
    )
    if viewer.held:
        raise NotPermitted(
            "Exporting a chronology needs a second factor in this session: "
            "elevate your access, then try again."
        )
    raise NotPermitted("Only the safeguarding team can export a pupil's chronology.")


def export_chronology(
    *,
    viewer: Viewer,
    pupil_id: int,
    choice: ExportChoice,
    school_name: str,
    request: HttpRequest | None = None,
) -> Download:
    """The pupil's chronology as PDF or CSV, holding only what the viewer may see.

    - NotPermitted (audited as a refused export) without the right to export;
    - NotFound for a pupil the viewer may not see;
    - Invalid, naming each field, for a bad choice: nothing is built or audited.
    """
    refuse_unless_may_export(
        viewer=viewer, pupil_id=pupil_id, request=request, file_format=choice.format
    )
    pupil = visible_pupil(viewer, pupil_id)
    filters = checked_filters(viewer, choice)
    export = chronology_for_export(viewer, pupil, filters, school_name=school_name)
    if choice.format == "pdf":
        # Imported when first needed: WeasyPrint takes half a second to import and loads
        # Pango, which no other page, command or worker needs.
        from safeguarding.records.pdf import chronology_pdf

        content = chronology_pdf(export)
    else:
        content = chronology_csv(export)
    chosen = list(filters.category_ids)
    audit.record(
        action=AuditAction.EXPORT,
        actor=viewer.user,
        object_type="pupil",
        object_id=pupil.pk,
        pupil_id=pupil.pk,
        request=request,
        detail={
            "kind": "chronology",
            "format": choice.format,
            "from": filters.date_from.isoformat() if filters.date_from else None,
            "to": filters.date_to.isoformat() if filters.date_to else None,
            "categories": chosen[:_AUDIT_LIST_LIMIT],
            "category_count": len(chosen),
            "redacted": filters.hide_other_pupils,
            "incidents": len(export.incidents),
            "actions": export.action_count,
        },
    )
    today = timezone.localdate(export.generated_at)
    return Download(
        content=content,
        content_type=_CONTENT_TYPES[choice.format],
        filename=f"chronology-pupil-{pupil.pk}-{today.isoformat()}.{choice.format}",
    )


def checked_filters(viewer: Viewer, choice: ExportChoice) -> ExportFilters:
    """The choice as filters, or Invalid with every problem at once: a format other than
    PDF or CSV, a date before 1990 or after today, a start after the end, or a category
    that is not one the viewer may choose."""
    problems = Problems({name: list(messages) for name, messages in choice.errors.items()})
    if choice.format not in FORMATS:
        problems.add("format", "Choose PDF or CSV.")
    check_period(problems, choice.date_from, choice.date_to)
    known = {category.pk for category in exportable_categories(viewer)}
    if any(pk not in known for pk in choice.category_ids):
        problems.add("categories", "Choose the categories from the list.")
    problems.raise_if_any()
    return ExportFilters(
        date_from=choice.date_from,
        date_to=choice.date_to or timezone.localdate(),
        category_ids=tuple(dict.fromkeys(choice.category_ids)),
        hide_other_pupils=choice.hide_other_pupils,
    )


def check_period(
    problems: Problems, date_from: datetime.date | None, date_to: datetime.date | None
) -> None:
    """Adds to `problems` (under date_from and date_to) a date before 1990 or after today,
    or a start after the end (today, when there is none). Either date may be empty."""
    today = timezone.localdate()
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is None:
            continue
        if day < EARLIEST:
            problems.add(name, f"Choose a date on or after {EARLIEST:%-d %B %Y}.")
        elif day > today:
            problems.add(name, f"Choose a date no later than today, {today:%-d %B %Y}.")
    dates_valid = not (problems.errors.get("date_from") or problems.errors.get("date_to"))
    if dates_valid and date_from and date_from > (date_to or today):
        problems.add(
            "date_to", "The end date is before the start date: put the earlier date first."
        )
