"""The console's scheduled work, in the public schema."""

from __future__ import annotations

from celery import shared_task

from console import health, onboarding


@shared_task(name="console.measure_health")
def measure_health() -> int:
    """Nightly: every school's counts for the console."""
    return health.measure_all()


@shared_task(name="console.run_bulk_onboarding")
def run_bulk_onboarding(job_id: int) -> str:
    """A bulk onboarding's schools, row after row, in the public schema (it is sent with
    that schema's name); safe to run again, so a lost or repeated task does no harm."""
    return onboarding.run_bulk_onboarding(job_id).status


@shared_task(name="console.export_school")
def export_school(offboarding_id: int, export_name: str, sealed_passphrase: str) -> None:
    """One attempt at an offboarding school's encrypted export (console.export); a
    redelivered or overtaken attempt finds it is not the current one and does nothing."""
    from console import export

    export.run(offboarding_id, export_name, sealed_passphrase)


@shared_task(name="console.delete_school_files")
def delete_school_files(schema_name: str) -> int:
    """A removed school's stored files, after its schema is dropped; safe to run again."""
    from console import export

    return export.delete_school_files(schema_name)
