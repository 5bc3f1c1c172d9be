"""The console's scheduled work, in the public schema."""

from __future__ import annotations

from celery import shared_task

from console import health


@shared_task(name="console.measure_health")
def measure_health() -> int:
    """Nightly (and on an operator's asking): every school's counts for the console."""
    return health.measure_all()
