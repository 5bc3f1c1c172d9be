"""How far a worker is through applying an import, for the page's progress bar.

The import is one transaction, so its progress cannot be read from the database until it
commits; it is kept in the cache instead (keys are per school). The cache being down costs
the progress bar, never the import.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

TIMEOUT = 60 * 60


def _key(run_id: int) -> str:
    return f"imports:progress:{run_id}"


def report(run_id: int, done: int, total: int) -> None:
    try:
        cache.set(_key(run_id), (done, total), TIMEOUT)
    except Exception as error:
        logger.warning("Could not keep an import's progress (%s).", type(error).__name__)


def read(run_id: int) -> tuple[int, int] | None:
    try:
        found = cache.get(_key(run_id))
    except Exception:
        return None
    return tuple(found) if found else None  # type: ignore[return-value]


def reporter(run_id: int):
    """A progress callback for `services.apply_run` that keeps it for the page."""
    return lambda done, total: report(run_id, done, total)
