"""Reads for alerts: a person's inbox and the DSL desk, shaped for their pages, through the
access policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.alerts import rota
from safeguarding.alerts.models import AlertPreference, Digest, Escalation, Notification
from safeguarding.alerts.rota import Duty
from safeguarding.alerts.services import DIGEST_KIND, EMAIL_KIND
from safeguarding.concerns.models import Action, Incident, Status
from tenants.models import OutboxMessage

READ_SHOWN = 20


@dataclass(frozen=True)
class Inbox:
    # Unread, or read but with a follow-up of theirs still to do.
    current: list[Notification]
    # Recently acknowledged, for the record of when.
    read: list[Notification]


def get_inbox(viewer: Viewer) -> Inbox:
    """The viewer's notifications, newest first, unread before read. An item whose incident
    the viewer can no longer see (a role changed) is listed without its content
    (`visible` is False). One with an action assigned to the viewer and not completed stays
    current after it is marked read ("still needs your follow-up")."""
    pending = Action.objects.filter(
        incident=OuterRef("incident"), assignee=viewer.user, completion__isnull=True
    )
    visible = policy.visible_incidents(viewer).filter(pk=OuterRef("incident"))
    items = (
        Notification.objects.filter(user=viewer.user)
        .annotate(pending_followup=Exists(pending), visible=Exists(visible))
        .select_related("created_by__staff_profile", "action", "incident__pupil")
        .prefetch_related("incident__categories__parent")
        .order_by("-created", "-pk")
    )
    current = list(items.filter(Q(read_at__isnull=True) | Q(pending_followup=True)))
    current.sort(key=lambda n: n.read_at is not None)  # stable: unread first, newest first
    read = list(items.filter(read_at__isnull=False, pending_followup=False)[:READ_SHOWN])
    return Inbox(current=current, read=read)


def unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


# The DSL desk ------------------------------------------------------------------------------

TRIAGE_SHOWN = 50


@dataclass(frozen=True)
class FailedDelivery:
    message: OutboxMessage
    # What it was for, when it still exists: the notification or digest it would have sent.
    recipient: User | None
    incident: Incident | None


@dataclass(frozen=True)
class Desk:
    duty: Duty
    on_duty: list[User]
    waiting: list[Escalation]
    triage: list[Incident]
    overdue: list[Action]
    failed: list[FailedDelivery]


def get_desk(viewer: Viewer) -> Desk:
    """What a DSL looks at first: who is on duty, alerts waiting for a DSL, new incidents no
    one has acted on, overdue actions, and emails that could not be delivered. DSLs read
    every incident (policy), so these are the school's, through the policy all the same."""
    incidents = policy.visible_incidents(viewer)
    duty = rota.duty_at(rota.school_rota(viewer), timezone.now())
    people = User.objects.in_bulk(duty.chain)
    waiting = (
        Escalation.objects.filter(acknowledged_at__isnull=True, incident__in=incidents)
        .select_related("incident__pupil")
        .order_by("created")
    )
    triage = (
        incidents.filter(status=Status.ACTIVE)
        .exclude(Exists(Action.objects.filter(incident=OuterRef("pk"))))
        .select_related("pupil", "recorded_by__staff_profile")
        .prefetch_related("categories")
        .order_by("recorded_at")[:TRIAGE_SHOWN]
    )
    overdue = (
        Action.objects.filter(
            incident__in=incidents,
            due_date__lt=timezone.localdate(),
            completion__isnull=True,
        )
        .select_related("incident__pupil", "assignee")
        .order_by("due_date", "pk")
    )
    return Desk(
        duty=duty,
        on_duty=[people[pk] for pk in duty.chain if pk in people],
        waiting=list(waiting),
        triage=list(triage),
        overdue=list(overdue),
        failed=failed_deliveries(connection.tenant),
    )


def failed_deliveries(school) -> list[FailedDelivery]:
    """The school's emails the outbox gave up on, newest first, with whom each was for."""
    from tenants import outbox

    messages = list(outbox.failed_messages(school)[:100])
    notifications = Notification.objects.select_related("user", "incident").in_bulk(
        [m.reference for m in messages if m.kind == EMAIL_KIND]
    )
    digests = Digest.objects.select_related("user").in_bulk(
        [m.reference for m in messages if m.kind == DIGEST_KIND]
    )
    found = []
    for message in messages:
        if message.kind == EMAIL_KIND and message.reference in notifications:
            notification = notifications[message.reference]
            found.append(FailedDelivery(message, notification.user, notification.incident))
        elif message.kind == DIGEST_KIND and message.reference in digests:
            found.append(FailedDelivery(message, digests[message.reference].user, None))
        else:
            found.append(FailedDelivery(message, None, None))
    return found


def wants_daily_digest(user: User) -> bool:
    return AlertPreference.objects.filter(user=user, daily_digest=True).exists()
