"""A chronology (or a school report's table) as CSV for a spreadsheet: the PDF's rows,
UTF-8 with a byte-order mark so that Excel reads it as such, and no cell that a spreadsheet
would run as a formula."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence

from django.utils import timezone

from safeguarding.records.selectors import ChronologyExport

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV
# injection"), and some read the full-width forms the same way.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

HEADER = (
    "Date and time",
    "Entry",
    "Reference",
    "Categories",
    "Status",
    "Risk",
    "Recorded by",
    "About",
    "This pupil's role",
    "Details",
    "Text",
)


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet shows and never runs: one that starts like a formula
    gets a leading apostrophe, which spreadsheets take as "this is text"."""
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def chronology_csv(export: ChronologyExport) -> bytes:
    """One row per incident, its actions and changes in the rows under it, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for incident in export.incidents:
        rows = [
            (
                _when(incident.when),
                "Incident",
                incident.reference,
                "; ".join(incident.categories),
                incident.status,
                incident.risk,
                incident.author,
                incident.about or "This pupil",
                incident.role,
                "",
                incident.text,
            )
        ]
        rows += [
            (
                _when(f.when),
                f"{'Action' if f.kind == 'action' else 'Change'}: {f.what}",
                incident.reference,
                "",
                "",
                "",
                f.author,
                "",
                "",
                "; ".join(f.details),
                f.text,
            )
            for f in incident.followups
        ]
        writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def rows_csv(rows: Iterable[Sequence[object]]) -> bytes:
    """Any table as CSV for a spreadsheet (a school report's, say): UTF-8 with a byte-order
    mark, dates as ISO dates, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise(_text(cell)) for cell in row])
    return out.getvalue().encode("utf-8-sig")


def _text(cell: object) -> str:
    return cell.isoformat() if isinstance(cell, datetime.date) else str(cell)
