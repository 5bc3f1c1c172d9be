"""Delivering a notification by email, called by the outbox worker on the school's schema.

The email says only who created the alert and the category, with a link (Westleigh policy:
"It will tell you who created the alert and the category it comes under but no other
information"): never the child's name or initials, nor anything that was written."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safeguarding.alerts.models import Digest, Notification
from safeguarding.concerns.models import Category


def email_notification(notification_id: int) -> None:
    """Send the notification's email once. Safe to call again: a notification already
    emailed is skipped. A failure to send raises, so the outbox retries."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user", "created_by__staff_profile", "incident")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return
        message = render_email(notification)
        message.send(fail_silently=False)
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])


def render_email(notification: Notification) -> EmailMessage:
    incident = notification.incident
    creator = notification.created_by
    try:
        creator_name = creator.get_full_name() or creator.staff_profile.initials
    except creator._meta.model.staff_profile.RelatedObjectDoesNotExist:
        creator_name = creator.get_full_name() or "A member of staff"
    labels = [
        c.label
        for c in Category.objects.filter(incidentcategory__incident=incident).select_related(
            "parent"
        )
    ]
    base = settings.CONFIG.school_url(connection.tenant.slug).rstrip("/")
    context = {
        "creator": creator_name,
        "categories": labels,
        "reference": incident.reference,
        "is_action": notification.action_id is not None,
        "reason": notification.reason,
        "link": base + reverse("concerns:incident", args=[incident.pk]),
        "inbox": base + reverse("alerts:inbox"),
    }
    subject = render_to_string("alerts/email_subject.txt", context).strip()
    body = render_to_string("alerts/email_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[notification.user.email])


def email_digest(digest_id: int) -> None:
    """Send one day's digest once: counts and a link, nothing about any incident."""
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=digest_id)
            .first()
        )
        if digest is None or digest.emailed_at is not None:
            return
        school = connection.tenant
        context = {
            "day": digest.day,
            "school": school.name,
            "unread": digest.unread,
            "overdue": digest.overdue,
            "inbox": settings.CONFIG.school_url(school.slug).rstrip("/") + reverse("alerts:inbox"),
        }
        EmailMessage(
            subject=f"Haven digest: {digest.unread} unread, {digest.overdue} overdue",
            body=render_to_string("alerts/digest_body.txt", context),
            to=[digest.user.email],
        ).send(fail_silently=False)
        digest.emailed_at = timezone.now()
        digest.save(update_fields=["emailed_at"])
