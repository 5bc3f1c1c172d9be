"""The outbox: what a school's transaction asks to be delivered once it commits (an alert's
email, say), written in that same transaction and delivered by workers with retries, so a
stopped Redis, worker or mail server delays a delivery and never loses one.

A message holds only the school, a kind and the id of a row in the school's schema. The
handler registered for the kind runs in the school's schema and looks the row up there.

Delivery is exactly once as far as the database can promise it: the handler runs in the
transaction that locks the message and marks it delivered, so a task redelivered after that
commit finds it delivered and does nothing. What the database cannot promise is a side
effect outside it: if a worker dies after the handler has handed an email to the mail server
but before the commit, the transaction rolls back and the email is sent again. That window
is the handler's own run; handlers keep it short and are idempotent on their side.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.models import OutboxMessage, School

logger = logging.getLogger(__name__)

# kind -> dotted path of `handler(reference: int) -> None`, run in the school's schema,
# raising on failure. Kinds are short codes: they are stored in the public schema.
HANDLERS: dict[str, str] = {
    "notification_email": "safeguarding.alerts.delivery.email_notification",
    "alert_digest": "safeguarding.alerts.delivery.email_digest",
    "retention_notice": "safeguarding.retention.delivery.email_notice",
    "transfer_arrived": "safeguarding.transfers.delivery.email_transfer_alert",
    "mis_import": "safeguarding.imports.delivery.apply_confirmed",
}

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
# A new message is left to the task queued when its transaction committed for this long
# before the sweep queues it again (that task may have been lost with Redis).
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 5000
# The sweep sends its messages as deliver_many tasks of this many (each still delivered,
# and retried, on its own): a backlog drains several times faster than one task each.
SWEEP_CHUNK = 100
# After a publish is refused (Redis down), publishes are left to the sweep for this long
# rather than each waiting on a dead broker in turn.
PUBLISH_BACKOFF = timedelta(seconds=5)


class OutboxError(Exception):
    """An outbox message asked for in a way that could not be delivered reliably."""


class UnknownKind(OutboxError):
    pass


class NotInSchoolTransaction(OutboxError):
    pass


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY_LATER = "retry later"
    FAILED = "failed"
    ALREADY_DONE = "already delivered or failed"
    NOT_DUE = "not due yet"
    SKIPPED = "missing, or being delivered by another worker"


def enqueue(*, kind: str, reference: int) -> OutboxMessage:
    """Ask for `kind` to be delivered for the row `reference` of the current school, once the
    caller's transaction commits; nothing at all if it rolls back.

    Call it inside the school's transaction (the connection on the school's schema): the
    outbox table is in the public schema, which the school's search path includes, so the
    row commits or rolls back with the caller's own rows. The same (kind, reference) twice
    is one message."""
    _check_writable(kind)
    message, created = OutboxMessage.objects.get_or_create(
        school=current_school(), kind=kind, reference=reference
    )
    if created:
        transaction.on_commit(partial(_queue_after_commit, message.pk))
    return message


def enqueue_many(*, kind: str, references: list[int]) -> None:
    """`enqueue` for many rows of one transaction (an incident's alerts): one INSERT, and
    one task after the commit that delivers them all, whatever their number."""
    if not references:
        return
    _check_writable(kind)
    school = current_school()
    # New rows (an incident's fresh alerts): no conflict to allow for, and the ids come back.
    made = OutboxMessage.objects.bulk_create(
        [OutboxMessage(school=school, kind=kind, reference=ref) for ref in references]
    )
    queue_after_commit([message.pk for message in made])


def _check_writable(kind: str) -> None:
    if kind not in HANDLERS:
        raise UnknownKind(f"No outbox handler is registered for {kind!r}.")
    if not connection.in_atomic_block:
        raise NotInSchoolTransaction("The outbox is written inside the caller's transaction.")


def queue_after_commit(message_ids: list[int]) -> None:
    """Send one task for these messages once the caller's transaction commits: for rows the
    caller wrote itself, in the same transaction (the alerts write theirs in one statement
    with the notifications)."""
    if message_ids:
        transaction.on_commit(partial(_queue_after_commit, list(message_ids)))


def deliver_message(message_id: int) -> Outcome:
    """Run the message's handler in its school's schema, once: lock it, skip it if it is
    delivered, failed, not due or locked by another worker, and mark it delivered in the
    transaction the handler ran in. A handler that raises is retried later with a growing
    wait, and after MAX_ATTEMPTS the message is marked failed (failed_messages)."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        )
        if message is None:
            return Outcome.SKIPPED
        if message.delivered_at or message.failed_at:
            return Outcome.ALREADY_DONE
        now = timezone.now()
        if message.next_attempt_at and message.next_attempt_at > now:
            return Outcome.NOT_DUE
        school = School.objects.get(pk=message.school_id)
        try:
            handler = import_string(HANDLERS[message.kind])
            # A savepoint, so a handler that fails half-way leaves none of its writes.
            with school, transaction.atomic():
                handler(message.reference)
        except Exception as exc:  # any failure is recorded, retried, then shown as failed
            return _record_failure(message, school=school, error=exc)
        message.delivered_at = timezone.now()
        message.save(update_fields=["delivered_at"])
        return Outcome.DELIVERED


def sweep_due_messages(*, school: School | None = None) -> int:
    """Queue delivery of every message that is due: new ones whose task may have been lost
    (Redis down when their transaction committed) and failed attempts whose wait is over.
    One school's messages, or every school's when `school` is None. Returns how many."""
    now = timezone.now()
    due = OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).filter(
        Q(next_attempt_at__lte=now)
        | Q(next_attempt_at__isnull=True, created__lte=now - SWEEP_GRACE)
    )
    if school is not None:
        due = due.filter(school=school)
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    for start in range(0, len(ids), SWEEP_CHUNK):
        _queue(ids[start : start + SWEEP_CHUNK])
    return len(ids)


def failed_messages(school: School) -> QuerySet[OutboxMessage]:
    """The school's deliveries that were given up on, newest first, for its DSLs to see."""
    return OutboxMessage.objects.filter(school=school, failed_at__isnull=False).order_by(
        "-failed_at"
    )


def retry_failed(*, school: School, message_id: int) -> bool:
    """Try a failed delivery again from the start (a DSL asked, the mail server being
    fixed): it is due at once, and queued. False if it is not one of the school's failed
    messages."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        changed = OutboxMessage.objects.filter(
            pk=message_id, school=school, failed_at__isnull=False
        ).update(failed_at=None, attempts=0, next_attempt_at=timezone.now(), last_error="")
        if changed:
            transaction.on_commit(partial(_queue_after_commit, message_id))
    return bool(changed)


def retry_wait(attempts: int) -> timedelta:
    """30 s after the first failure, doubling each time, never more than an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def _record_failure(message: OutboxMessage, *, school: School, error: Exception) -> Outcome:
    now: datetime = timezone.now()
    message.attempts += 1
    message.last_error = type(error).__name__[:100]
    if message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
        outcome = Outcome.FAILED
    else:
        message.next_attempt_at = now + retry_wait(message.attempts)
        outcome = Outcome.RETRY_LATER
    message.save(update_fields=["attempts", "last_error", "failed_at", "next_attempt_at"])
    # The class name only, never the exception's text: it could carry content.
    log = logger.error if outcome is Outcome.FAILED else logger.warning
    log(
        "Outbox message %s (%s) of school %s: attempt %s raised %s; %s.",
        message.pk,
        message.kind,
        school.schema_name,
        message.attempts,
        message.last_error,
        "given up" if outcome is Outcome.FAILED else f"next attempt at {message.next_attempt_at}",
    )
    return outcome


def current_school() -> School:
    """The school whose schema the connection is on."""
    schema = connection.schema_name
    if schema in (get_public_schema_name(), None):
        raise NotInSchoolTransaction("The outbox is written from a school's schema.")
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, School) and tenant.pk is not None:
        return tenant
    return School.objects.get(schema_name=schema)


def _queue(message_ids: int | list[int]) -> None:
    """Send the delivery task, to run in the public schema (it switches to the school)."""
    from tenants.tasks import deliver, deliver_many  # the tasks module imports this one

    headers = {"_schema_name": get_public_schema_name()}
    if isinstance(message_ids, list):
        deliver_many.apply_async((message_ids,), headers=headers)
    else:
        deliver.apply_async((message_ids,), headers=headers)


def _queue_after_commit(message_ids: int | list[int]) -> None:
    """Hand the publishing to the publisher thread: the request that committed does not
    wait on Redis. A publish lost with the process is sent again by the sweep."""
    _publisher().submit(_queue_or_leave_to_sweep, message_ids)


def _queue_or_leave_to_sweep(message_ids: int | list[int]) -> None:
    global _REFUSED_AT
    if _REFUSED_AT is not None and time.monotonic() - _REFUSED_AT < PUBLISH_BACKOFF.total_seconds():
        logger.warning(
            "Outbox message %s was not queued (Redis refused a publish moments ago); the "
            "sweep will deliver it.",
            message_ids,
        )
        return
    try:
        _queue(message_ids)
    except Exception as exc:  # Redis down: the commit stands and the sweep delivers it later
        _REFUSED_AT = time.monotonic()
        logger.warning(
            "Outbox message %s was not queued (%s); the sweep will deliver it.",
            message_ids,
            type(exc).__name__,
        )
    else:
        _REFUSED_AT = None


# When the publisher thread last had a publish refused (time.monotonic), if it is recent.
_REFUSED_AT: float | None = None


_PUBLISHER: tuple[int, ThreadPoolExecutor] | None = None
_PUBLISHER_LOCK = threading.Lock()


def _publisher() -> ThreadPoolExecutor:
    """One thread per process that publishes delivery tasks in the order they were asked
    for; made again in a process forked from one that had it (the thread stays behind)."""
    global _PUBLISHER
    with _PUBLISHER_LOCK:
        if _PUBLISHER is None or _PUBLISHER[0] != os.getpid():
            _PUBLISHER = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="outbox-publish"))
        return _PUBLISHER[1]


def wait_for_publishing(timeout: float = 10) -> None:
    """Until every publish asked for so far in this process has been tried: for tests, and
    for commands that exit right after a commit (the interpreter waits at exit anyway)."""
    _publisher().submit(lambda: None).result(timeout=timeout)
