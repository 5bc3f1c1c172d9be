"""Reads for alerts: a person's inbox, shaped for the page, through the access policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.alerts.models import Notification
from safeguarding.concerns.models import Action

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
