"""The email telling a DSL that records wait for a retention review: a count and a link,
never a name. Called by the outbox worker on the school's schema."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safeguarding.retention.models import RetentionNotice


def email_notice(notice_id: int) -> None:
    """Send the notice once; a failure raises so the outbox retries."""
    with transaction.atomic():
        notice = (
            RetentionNotice.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.emailed_at is not None:
            return
        school = connection.tenant
        base = settings.CONFIG.school_url(school.slug).rstrip("/")
        context = {
            "school": school.name,
            "waiting": notice.waiting,
            "link": base + reverse("retention:overview"),
        }
        EmailMessage(
            subject=f"Haven: {notice.waiting} record{'s' if notice.waiting != 1 else ''} due "
            "for retention review",
            body=render_to_string("retention/notice_body.txt", context),
            to=[notice.user.email],
        ).send(fail_silently=False)
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
