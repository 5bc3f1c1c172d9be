"""Celery tasks of the outbox (tenants.outbox): delivering one message, and the sweep that
queues again whatever is due, such as messages whose task was lost while Redis was down."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name

from tenants import outbox


@shared_task(name="outbox.deliver")
def deliver(message_id: int) -> str:
    return str(outbox.deliver_message(message_id))


@shared_task(name="outbox.deliver_many")
def deliver_many(message_ids: list[int]) -> list[str]:
    """An incident's alerts, queued as one task; each message is still delivered (and
    retried) on its own."""
    return [str(outbox.deliver_message(message_id)) for message_id in message_ids]


@shared_task(name="outbox.sweep")
def sweep() -> int:
    """Beat runs this in every school's schema, where it sweeps that school's messages (see
    CELERY_BEAT_SCHEDULE); run in the public schema, it sweeps every school's."""
    if connection.schema_name == get_public_schema_name():
        return outbox.sweep_due_messages()
    return outbox.sweep_due_messages(school=outbox.current_school())
