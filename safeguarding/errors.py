"""Errors from a school's services, in words for the person who made the request."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

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


@dataclass
class Problems:
    """Every problem with a request, by field, so that the form shows them all at once:
    services check everything, then raise once, before anything is written."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @contextlib.contextmanager
    def check(self, name: str) -> Iterator[None]:
        """A ValueError raised inside becomes a problem with this field."""
        try:
            yield
        except ValueError as error:
            self.add(name, str(error))

    def raise_if_any(self) -> None:
        if self.errors:
            raise Invalid(self.errors)
