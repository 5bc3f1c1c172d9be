"""Checks every free-text field in a school shares."""

from __future__ import annotations

import re

# A tag, a comment or a doctype: text is stored and shown as plain text, never markup.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def clean_text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    """The trimmed text, or a ValueError whose message says what to fix."""
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ValueError(f"Enter the {label}.")
    if len(text) > limit:
        raise ValueError(
            f"The {label} is {len(text):,} characters; the limit is {limit:,}. "
            "Attach a longer document as a file instead."
        )
    if _MARKUP.search(text):
        raise ValueError(
            f"The {label} cannot contain HTML or tags such as <b> or <script>: "
            "write it as plain text."
        )
    if "\x00" in text:
        raise ValueError(f"The {label} contains characters that cannot be stored.")
    return text
