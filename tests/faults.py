"""Failures injected at the worst moment, to prove that nothing is left half-done."""

from __future__ import annotations

from django.core.files.storage import default_storage

from safeguarding.concerns.models import Attachment


def fail_once_a_file_is_stored(monkeypatch) -> list[str]:
    """Saving an attachment's row fails after its file is already in storage, as it would
    if the database went away mid-submission. Returns the names of the files stored."""
    stored: list[str] = []

    def fail(attachment, *args, **kwargs):
        assert default_storage.exists(attachment.file.name)
        stored.append(attachment.file.name)
        raise RuntimeError("database went away")

    monkeypatch.setattr(Attachment, "save", fail)
    return stored
