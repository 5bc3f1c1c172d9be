"""The outbox handler that applies a confirmed import in a worker, in the school's schema."""

from __future__ import annotations

from safeguarding.imports import progress, services


def apply_confirmed(reference: int) -> None:
    """Idempotent: an import already applied or failed is left alone (services.apply_run)."""
    services.apply_run(reference, progress=progress.reporter(reference))
