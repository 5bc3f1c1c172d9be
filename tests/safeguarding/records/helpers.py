"""Reading what an export produced: a PDF's text, a CSV's rows."""

from __future__ import annotations

import csv
import datetime
import io
import re

from django.utils import timezone
from pypdf import PdfReader


def days_ago(days: int, hour: int = 10) -> datetime.datetime:
    moment = timezone.localtime() - datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=15, second=0, microsecond=0)


def pdf_text(content: bytes) -> str:
    """Every page's text, pages apart, with runs of spaces and line breaks made one space
    (where a line wraps is the layout's business, not the test's)."""
    reader = PdfReader(io.BytesIO(content))
    return "\n\f".join(re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages)


def pdf_pages(content: bytes) -> list[str]:
    return pdf_text(content).split("\n\f")


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def export(client, pupil_id: int, **choices):
    """POST the export form: a PDF with other pupils' names hidden unless told otherwise."""
    data = {"format": "pdf", "hide_other_pupils": "on", **choices}
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(f"/pupils/{pupil_id}/export/", data)
