"""A transfer sent to the wrong school is withdrawn by the sender before it is accepted:
closed at both schools, audited at both, and the receiving school keeps nothing of the
child."""

from __future__ import annotations

from safeguarding.transfers.models import IncomingTransfer, OutgoingTransfer, TransferredIncident
from tests.safeguarding.transfers.helpers import events, rows, send
from tests.sessions import signed_in


def _sent(case, abbey, westleigh):
    sender = signed_in(abbey, case["dsl"])
    assert send(sender, case["amara"].pk, school=westleigh.pk).status_code == 302
    [outgoing] = rows(OutgoingTransfer, abbey)
    [incoming] = rows(IncomingTransfer, westleigh)
    return sender, outgoing, incoming


def test_withdrawing_closes_it_at_both_schools_and_forgets_the_child_there(case, abbey, westleigh):
    sender, outgoing, incoming = _sent(case, abbey, westleigh)
    receiver = signed_in(westleigh, case["receiver"])
    assert receiver.get(f"/transfers/incoming/{incoming.pk}/").status_code == 200  # viewed

    response = sender.post(f"/transfers/{outgoing.pk}/withdraw/")

    assert response.status_code == 302
    [withdrawn] = rows(OutgoingTransfer, abbey)
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at is not None
    [closed] = rows(IncomingTransfer, westleigh)
    assert closed.status == "withdrawn" and closed.withdrawn_at is not None
    assert (closed.legal_first_name, closed.legal_last_name, closed.upn) == ("", "", "")
    assert closed.date_of_birth is None and closed.incident_count == 3
    [at_abbey] = events(abbey, "transfer_withdrawn")
    assert at_abbey.details == {"kind": "platform"}
    assert at_abbey.actor_id == case["dsl"].pk and at_abbey.pupil_id == case["amara"].pk
    [at_westleigh] = events(westleigh, "transfer_withdrawn")
    assert at_westleigh.details == {"from_school": abbey.pk}
    assert at_westleigh.object_id == incoming.pk and at_westleigh.pupil_id is None
    desk = receiver.get("/dsl/").content.decode()
    assert f"/transfers/incoming/{incoming.pk}/" not in desk
    listed = receiver.get("/transfers/").content.decode()
    assert "Amara" not in listed and "Withdrawn" in listed
    page = receiver.get(f"/transfers/incoming/{incoming.pk}/").content.decode()
    assert "Amara" not in page and "A123456789012" not in page


def test_a_withdrawn_transfer_cannot_be_accepted_and_the_file_can_go_to_the_right_school(
    case, abbey, westleigh
):
    sender, outgoing, incoming = _sent(case, abbey, westleigh)
    sender.post(f"/transfers/{outgoing.pk}/withdraw/")

    response = signed_in(westleigh, case["receiver"]).post(
        f"/transfers/incoming/{incoming.pk}/accept/"
    )

    assert response.status_code == 409
    assert "withdrew this transfer" in response.content.decode()
    assert not rows(TransferredIncident, westleigh)
    assert (
        send(sender, case["amara"].pk, destination="elsewhere", to_name="Northfield").status_code
        == 200
    )
    assert sorted(t.status for t in rows(OutgoingTransfer, abbey)) == ["pending", "withdrawn"]


def test_an_accepted_transfer_cannot_be_withdrawn(case, abbey, westleigh):
    sender, outgoing, incoming = _sent(case, abbey, westleigh)
    receiver = signed_in(westleigh, case["receiver"])
    assert receiver.post(f"/transfers/incoming/{incoming.pk}/accept/").status_code == 302

    response = sender.post(f"/transfers/{outgoing.pk}/withdraw/")

    assert response.status_code == 400
    assert "cannot be withdrawn" in response.content.decode()
    assert rows(OutgoingTransfer, abbey)[0].status == "accepted"
    assert rows(IncomingTransfer, westleigh)[0].status == "accepted"
    assert events(abbey, "transfer_refused")[-1].details["reasons"] == ["withdraw_accepted"]


def test_only_the_sending_schools_dsl_can_withdraw(case, abbey, westleigh):
    _, outgoing, _ = _sent(case, abbey, westleigh)

    assert (
        signed_in(abbey, case["teacher"]).post(f"/transfers/{outgoing.pk}/withdraw/").status_code
        == 403
    )
    # At Westleigh the id names no transfer of Westleigh's own.
    assert (
        signed_in(westleigh, case["receiver"])
        .post(f"/transfers/{outgoing.pk}/withdraw/")
        .status_code
        == 404
    )
    assert rows(OutgoingTransfer, abbey)[0].status == "pending"
    assert rows(IncomingTransfer, westleigh)[0].status == "pending"


def test_the_sender_is_offered_withdraw_while_it_is_in_flight(case, abbey, westleigh):
    sender, outgoing, _ = _sent(case, abbey, westleigh)

    page = sender.get(f"/transfers/{outgoing.pk}/").content.decode()

    assert f'action="/transfers/{outgoing.pk}/withdraw/"' in page
