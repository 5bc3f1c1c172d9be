"""Sending a transfer to a school on Haven again alerts its DSLs again; a closed one is
sent again as a new transfer."""

from __future__ import annotations

from safeguarding.transfers.models import IncomingTransfer, OutgoingTransfer, TransferAlert
from tenants.models import OutboxMessage
from tests.safeguarding.transfers.helpers import events, rows, send
from tests.sessions import signed_in


def test_sending_again_alerts_the_receiving_dsls_again(case, abbey, westleigh):
    sender = signed_in(abbey, case["dsl"])
    send(sender, case["amara"].pk, school=westleigh.pk)
    [transfer] = rows(OutgoingTransfer, abbey)

    response = sender.post(f"/transfers/{transfer.pk}/resend/")

    assert response.status_code == 302
    alerts = rows(TransferAlert, westleigh, user=case["receiver"])
    assert len(alerts) == 2
    assert (
        OutboxMessage.objects.filter(
            school=westleigh, kind="transfer_arrived", reference__in=[a.pk for a in alerts]
        ).count()
        == 2
    )
    assert rows(OutgoingTransfer, abbey)[0].sent_count == 2
    assert len(rows(IncomingTransfer, westleigh)) == 1
    assert events(abbey, "transfer_resent") and events(westleigh, "transfer_resent")


def test_a_rejected_transfer_is_not_resent_but_sent_anew(case, abbey, westleigh):
    sender = signed_in(abbey, case["dsl"])
    send(sender, case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh)
    signed_in(westleigh, case["receiver"]).post(
        f"/transfers/incoming/{incoming.pk}/reject/", {"reason": "Wrong school."}
    )
    [transfer] = rows(OutgoingTransfer, abbey)
    alerted = len(rows(TransferAlert, westleigh))

    response = sender.post(f"/transfers/{transfer.pk}/resend/")

    assert response.status_code == 400
    assert "Start a new transfer" in response.content.decode()
    assert len(rows(TransferAlert, westleigh)) == alerted
    assert send(sender, case["amara"].pk, school=westleigh.pk).status_code == 302
    assert sorted(t.status for t in rows(OutgoingTransfer, abbey)) == ["pending", "rejected"]


def test_the_list_shows_each_transfer_with_its_clock(case, abbey, westleigh):
    import datetime

    from django.utils import timezone

    sender = signed_in(abbey, case["dsl"])
    moved = timezone.localdate() - datetime.timedelta(days=7)
    send(sender, case["amara"].pk, school=westleigh.pk, moved_on=moved.isoformat())

    outgoing = sender.get("/transfers/").content.decode()
    assert "Overdue by 2 days" in outgoing and westleigh.name in outgoing
    incoming = signed_in(westleigh, case["receiver"]).get("/transfers/").content.decode()
    assert "Overdue by 2 days" in incoming and abbey.name in incoming
