"""Checks on files attached to incidents and actions, before anything is stored.

The type comes from the content, never from the name or the browser: an allow-list of
documents, images, text and email files. Names are reduced to safe characters and given the
extension of the detected type; the stored key is random, and files are always served as
attachments.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from django.conf import settings

MAX_FILES = 10

# Detected MIME type -> extension given to the stored name.
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/tiff": "tif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/rtf": "rtf",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.ms-outlook": "msg",
    "text/plain": "txt",
    "text/csv": "csv",
    "message/rfc822": "eml",
}

# Old Office files and Outlook messages share one container; the name says which it is.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_TYPES = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "msg": "application/vnd.ms-outlook",
}
_MARKUP_NAMES = {"htm", "html", "xhtml", "svg", "xml", "js", "mjs"}
_EMAIL_HEADER = re.compile(
    rb"^(From|To|Date|Subject|Received|Return-Path|Message-ID|MIME-Version|Delivered-To):",
    re.IGNORECASE | re.MULTILINE,
)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    upload: BinaryIO
    name: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return settings.CONFIG.max_upload_mb * 1024 * 1024


def check_upload(upload: BinaryIO, original_name: str) -> CheckedFile:
    """A file that may be stored, or a ValueError saying why not."""
    limit = max_upload_bytes()
    digest = hashlib.sha256()
    head = b""
    size = 0
    text_like = True
    upload.seek(0)
    while chunk := upload.read(_CHUNK):
        if not head:
            head = chunk[:8192]
        size += len(chunk)
        if size > limit:
            raise ValueError(
                f"{_shown(original_name)} is larger than the {limit // (1024 * 1024)} MB limit."
            )
        digest.update(chunk)
        text_like = text_like and b"\x00" not in chunk
    upload.seek(0)
    if size == 0:
        raise ValueError(f"{_shown(original_name)} is empty.")

    extension = _extension(original_name)
    content_type = _detect(head, extension, text_like, upload)
    if content_type not in ALLOWED:
        raise ValueError(
            f"{_shown(original_name)} is not a type Haven accepts: attach PDFs, images, Office "
            "or OpenDocument files, plain text or saved emails."
        )
    return CheckedFile(
        upload=upload,
        name=safe_name(original_name, ALLOWED[content_type]),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def _detect(head: bytes, extension: str, text_like: bool, upload: BinaryIO) -> str | None:
    if head.startswith(_OLE_SIGNATURE):
        return _OLE_TYPES.get(extension)
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if not text_like or extension in _MARKUP_NAMES or not _is_utf8(upload):
        return None
    if len(_EMAIL_HEADER.findall(head)) >= 2:
        return "message/rfc822"
    return "text/csv" if extension == "csv" else "text/plain"


def _is_utf8(upload: BinaryIO) -> bool:
    upload.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := upload.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def safe_name(original: str, extension: str) -> str:
    """Letters, digits, spaces and . _ ( ) - only, no path, and the detected extension."""
    base = re.split(r"[\\/]", original or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^A-Za-z0-9 ._()-]+", "_", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" ._") or "file"
    return f"{stem[:100]}.{extension}"


def _extension(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _shown(name: str) -> str:
    return f"“{safe_name(name, _extension(name) or 'file')}”"
