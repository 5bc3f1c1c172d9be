"""Rejecting a transfer tells the sender why; a copy that fails lands nothing, is marked
failed on both sides, and can be sent again."""

from __future__ import annotations

from django.core.files.storage import default_storage

from safeguarding.concerns.models import Attachment
from safeguarding.people.models import Pupil
from safeguarding.transfers.models import (
    IncomingTransfer,
    OutgoingTransfer,
    TransferredFile,
    TransferredIncident,
)
from tests.safeguarding.transfers.helpers import events, rows, send
from tests.sessions import signed_in


def _sent(case, abbey, westleigh):
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh, status__in=["pending", "viewed"])
    return incoming, signed_in(westleigh, case["receiver"])


def test_a_rejected_transfer_shows_its_reason_to_the_sending_dsl(case, abbey, westleigh):
    incoming, receiver = _sent(case, abbey, westleigh)

    response = receiver.post(
        f"/transfers/incoming/{incoming.pk}/reject/", {"reason": "Not on our roll."}
    )

    assert response.status_code == 302
    [outgoing] = rows(OutgoingTransfer, abbey)
    assert (outgoing.status, outgoing.rejection_reason) == ("rejected", "Not on our roll.")
    [rejected] = rows(IncomingTransfer, westleigh)
    assert rejected.status == "rejected"
    _forgotten(rejected)
    page = signed_in(abbey, case["dsl"]).get(f"/transfers/{outgoing.pk}/").content.decode()
    assert "Not on our roll." in page and "Start a new transfer" in page
    assert events(abbey, "transfer_rejected") and events(westleigh, "transfer_rejected")
    assert not rows(TransferredIncident, westleigh)


def test_rejecting_without_a_reason_is_refused(case, abbey, westleigh):
    incoming, receiver = _sent(case, abbey, westleigh)

    response = receiver.post(f"/transfers/incoming/{incoming.pk}/reject/", {"reason": " "})

    assert response.status_code == 400
    assert rows(OutgoingTransfer, abbey)[0].status == "pending"
    text = response.content.decode()
    assert 'href="#field-reason"' in text and 'id="field-reason"' in text
    assert 'aria-invalid="true" aria-describedby="reason-error"' in text
    assert rows(IncomingTransfer, westleigh)[0].full_name == "Amara Okafor"  # still waiting


def test_the_reason_is_required_in_the_form(case, abbey, westleigh):
    incoming, receiver = _sent(case, abbey, westleigh)

    page = receiver.get(f"/transfers/incoming/{incoming.pk}/").content.decode()

    assert '<textarea id="id_reason" name="reason" maxlength="1000" rows="3" required' in page


def _forgotten(incoming) -> None:
    """Nothing says who the child was; the counts stay."""
    assert (incoming.legal_first_name, incoming.legal_last_name) == ("", "")
    assert (incoming.preferred_first_name, incoming.preferred_last_name) == ("", "")
    assert (incoming.date_of_birth, incoming.upn) == (None, "")
    assert (incoming.incident_count, incoming.file_count) == (3, 2)


def _tamper_with_a_stored_file(abbey) -> None:
    with abbey:
        attachment = Attachment.objects.get(name="notes.txt")
        path = default_storage.path(attachment.file.name)
    with open(path, "ab") as stored:
        stored.write(b"changed behind Haven's back")


def test_a_copy_that_fails_lands_nothing_and_is_failed_on_both_sides(case, abbey, westleigh):
    incoming, receiver = _sent(case, abbey, westleigh)
    _tamper_with_a_stored_file(abbey)

    response = receiver.post(f"/transfers/incoming/{incoming.pk}/accept/")

    assert response.status_code == 409
    assert "could not be copied" in response.content.decode()
    assert not rows(TransferredIncident, westleigh)
    assert not rows(TransferredFile, westleigh)
    assert not rows(Pupil, westleigh, upn="A123456789012")
    [failed] = rows(IncomingTransfer, westleigh)
    assert failed.status == "failed"
    _forgotten(failed)
    [outgoing] = rows(OutgoingTransfer, abbey)
    assert outgoing.status == "failed" and outgoing.failed_at is not None
    assert events(abbey, "transfer_failed") and events(westleigh, "transfer_failed")
    assert not events(abbey, "transfer_accepted")
    with abbey:
        assert Pupil.objects.get(pk=case["amara"].pk).leaving_date is None


def test_after_a_failure_the_sender_sends_again_and_the_new_one_is_accepted(case, abbey, westleigh):
    incoming, receiver = _sent(case, abbey, westleigh)
    _tamper_with_a_stored_file(abbey)
    receiver.post(f"/transfers/incoming/{incoming.pk}/accept/")
    _restore(abbey)

    sender = signed_in(abbey, case["dsl"])
    assert send(sender, case["amara"].pk, school=westleigh.pk).status_code == 302
    [fresh] = rows(IncomingTransfer, westleigh, status="pending")
    assert receiver.post(f"/transfers/incoming/{fresh.pk}/accept/").status_code == 302
    assert len(rows(TransferredIncident, westleigh)) == 3
    statuses = sorted(t.status for t in rows(OutgoingTransfer, abbey))
    assert statuses == ["accepted", "failed"]


def test_accepting_a_failed_transfer_the_sender_replaced_is_refused(case, abbey, westleigh):
    incoming, receiver = _sent(case, abbey, westleigh)
    _tamper_with_a_stored_file(abbey)
    receiver.post(f"/transfers/incoming/{incoming.pk}/accept/")
    _restore(abbey)
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)

    response = receiver.post(f"/transfers/incoming/{incoming.pk}/accept/")

    assert response.status_code == 409
    assert "failed" in response.content.decode()
    assert "Amara" not in response.content.decode()
    assert not rows(TransferredIncident, westleigh)
    assert events(westleigh, "transfer_refused")


def _restore(abbey) -> None:
    from tests import samples

    with abbey:
        attachment = Attachment.objects.get(name="notes.txt")
        path = default_storage.path(attachment.file.name)
    with open(path, "wb") as stored:
        stored.write(samples.TEXT)
