"""What may be attached: the type comes from the content, names are made safe."""

from __future__ import annotations

from io import BytesIO

import pytest

from safeguarding.concerns.files import check_upload, safe_name
from tests import samples


@pytest.mark.parametrize(
    ("content", "name", "content_type", "stored_as"),
    [
        (samples.PDF, "report.pdf", "application/pdf", "report.pdf"),
        (samples.PNG, "photo.png", "image/png", "photo.png"),
        (samples.JPEG, "bruise.JPG", "image/jpeg", "bruise.jpg"),
        (samples.JPEG, "screenshot.png", "image/jpeg", "screenshot.jpg"),
        (samples.docx(), "letter.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "letter.docx"),
        (samples.TEXT, "notes.txt", "text/plain", "notes.txt"),
        (samples.TEXT, "notes", "text/plain", "notes.txt"),
        (b"name,year\nA,7\n", "list.csv", "text/csv", "list.csv"),
        (samples.EMAIL, "absence.eml", "message/rfc822", "absence.eml"),
        (samples.OLE, "minutes.doc", "application/msword", "minutes.doc"),
        (samples.OLE, "from parent.msg", "application/vnd.ms-outlook", "from parent.msg"),
    ],
)  # fmt: skip
def test_allowed_files_are_known_by_their_content(content, name, content_type, stored_as):
    checked = check_upload(BytesIO(content), name)
    assert (checked.content_type, checked.name, checked.size) == (
        content_type, stored_as, len(content)
    )  # fmt: skip
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (samples.EXE, "timetable.pdf", "not a type Haven accepts"),
        (samples.HTML, "page.html", "not a type Haven accepts"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "not a type Haven accepts"),
        (samples.plain_zip(), "archive.zip", "not a type Haven accepts"),
        (samples.OLE, "unknown.bin", "not a type Haven accepts"),
        (b"\xff\xfe\x00binary\x00", "data.txt", "not a type Haven accepts"),
        (b"", "empty.txt", "is empty"),
    ],
)
def test_other_files_are_refused_with_a_reason(content, name, reason):
    with pytest.raises(ValueError, match=reason):
        check_upload(BytesIO(content), name)


def test_files_over_the_size_limit_are_refused(settings):
    settings.CONFIG = type(settings.CONFIG)(**{**settings.CONFIG.__dict__, "max_upload_mb": 1})
    with pytest.raises(ValueError, match="larger than the 1 MB limit"):
        check_upload(BytesIO(b"a" * (1024 * 1024 + 1)), "big.txt")
    assert check_upload(BytesIO(b"a" * (1024 * 1024)), "fits.txt").size == 1024 * 1024


@pytest.mark.parametrize(
    ("original", "safe"),
    [
        ("../../etc/passwd", "passwd.txt"),
        ("C:\\Users\\me\\Desktop\\report.pdf", "report.txt"),
        ("R\u00e9sum\u00e9 \u2013 final.pdf", "Resume final.txt"),
        ("<script>.txt", "script.txt"),
        ("notes; rm -rf.txt", "notes_ rm -rf.txt"),
        ("...", "file.txt"),
        ("a" * 300 + ".txt", "a" * 100 + ".txt"),
    ],
)
def test_names_are_made_safe(original, safe):
    assert safe_name(original, "txt") == safe
