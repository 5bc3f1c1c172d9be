"""Billing's scheduled work, in the public schema."""

from __future__ import annotations

from celery import shared_task

from billing import dunning


@shared_task(name="billing.dunning")
def run_dunning() -> dict:
    """Daily: reminders for overdue invoices, then read-only access (billing.dunning)."""
    result = dunning.run_dunning()
    return {
        "reminders": len(result.reminders),
        "made_read_only": len(result.made_read_only),
        "emailed": result.emailed,
        "not_emailed": result.not_emailed,
        "failed": result.failed,
    }
