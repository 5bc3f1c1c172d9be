"""Errors from a school's services, in words for the person who made the request."""

from __future__ import annotations

from collections.abc import Mapping

NON_FIELD = "__all__"


class Invalid(ValueError):
    """Input refused before anything was written. `errors` maps field names (or __all__)
    to messages, ready for a form or an API's 400 response."""

    def __init__(self, errors: Mapping[str, str | list[str]]) -> None:
        self.errors = {
            name: [messages] if isinstance(messages, str) else list(messages)
            for name, messages in errors.items()
        }
        super().__init__("; ".join(m for ms in self.errors.values() for m in ms))


class NotFound(LookupError):
    """The thing does not exist, or this person may not know that it does: both are a 404."""


class NotPermitted(PermissionError):
    """A visible thing this person may not change (a 403 with a reason)."""
