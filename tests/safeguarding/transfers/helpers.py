"""Driving transfers through HTTP, as a DSL would."""

from __future__ import annotations

import re

from django.utils import timezone


def send(client, pupil_id: int, **data):
    """POST the send form, confirmed: to a school on Haven unless told otherwise, moved
    today. (Pass step="" for the first POST, which only asks to confirm.)"""
    form = {
        "destination": "platform", "moved_on": timezone.localdate().isoformat(), "step": "send",
        **data,
    }  # fmt: skip
    return client.post(f"/transfers/pupils/{pupil_id}/send/", form)


def send_elsewhere(client, pupil_id: int, **data):
    return send(
        client, pupil_id, destination="elsewhere", to_name="Northfield Academy",
        to_email="dsl@northfield.example", **data,
    )  # fmt: skip


def passphrase_in(response) -> str:
    found = re.search(r"<code>([0-9A-Z-]+)</code>", response.content.decode())
    assert found, "no passphrase on the page"
    return found.group(1)


def rows(model, school, **filters) -> list:
    with school:
        return list(model.objects.filter(**filters))


def events(school, action: str) -> list:
    from safeguarding.audit.models import AuditEvent

    with school:
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))
