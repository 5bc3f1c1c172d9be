"""The email telling a receiving school's DSL that a child's file is waiting for them, sent
by the outbox worker on that school's schema. Content-free, as every Haven email is: no
child's name, no sending school, nothing from the file; a reference and a link."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safeguarding.transfers.models import TransferAlert


def email_transfer_alert(alert_id: int) -> None:
    """Send the alert's email once; a failure to send raises, so the outbox retries."""
    with transaction.atomic():
        alert = (
            TransferAlert.objects.select_for_update(of=("self",))
            .select_related("user", "incoming")
            .filter(pk=alert_id)
            .first()
        )
        if alert is None or alert.emailed_at is not None or not alert.incoming.in_flight:
            return
        school = connection.tenant
        base = settings.CONFIG.school_url(school.slug).rstrip("/")
        context = {
            "school": school.name,
            "reference": alert.incoming.reference,
            "due_by": alert.incoming.due_by,
            "link": base + reverse("transfers:incoming", args=[alert.incoming.pk]),
        }
        EmailMessage(
            subject=f"Haven: a child protection file is waiting for you ({context['reference']})",
            body=render_to_string("transfers/email_arrived.txt", context),
            to=[alert.user.email],
        ).send(fail_silently=False)
        alert.emailed_at = timezone.now()
        alert.save(update_fields=["emailed_at"])
