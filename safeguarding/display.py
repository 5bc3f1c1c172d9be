"""How this request shows pupils on screen. "Hide names" (a person's own toggle, kept in
their session) shows every pupil as initials on every page, for a projector or a screen
others can see; a DSL's "hide names" on one incident does the same for that incident
everywhere. Only what is shown changes, never what is stored, and the API is unaffected.

The toggle is set per request by safeguarding.web.school_view, so every name a page shows
(models' `shown_name`, selectors' shown text) honours it without each template asking.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

SESSION_KEY = "haven_hide_names"
_HIDING: ContextVar[bool] = ContextVar("haven_hide_names", default=False)


def hiding_names() -> bool:
    return _HIDING.get()


@contextmanager
def names_on_screen(*, hidden: bool) -> Iterator[None]:
    token = _HIDING.set(hidden)
    try:
        yield
    finally:
        _HIDING.reset(token)
