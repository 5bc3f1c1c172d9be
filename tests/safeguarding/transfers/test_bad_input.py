"""Transfers refused: a clear message, nothing created, the attempt in the audit log."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safeguarding.transfers.models import IncomingTransfer, OutgoingTransfer
from tenants.models import School
from tests.safeguarding.transfers.helpers import events, rows, send
from tests.sessions import signed_in


def _refused_and_nothing_made(response, abbey, westleigh, message: str) -> None:
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not rows(OutgoingTransfer, abbey)
    assert not rows(IncomingTransfer, westleigh)
    assert events(abbey, "transfer_refused")


def test_a_school_that_does_not_exist_is_refused(case, abbey, westleigh):
    response = send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=987654)
    _refused_and_nothing_made(response, abbey, westleigh, "There is no such school on Haven")
    assert events(abbey, "transfer_refused")[-1].details["reasons"] == ["unknown_school"]


@pytest.mark.parametrize("status", ["suspended", "offboarding"])
def test_a_school_that_is_not_active_is_refused(case, abbey, westleigh, status):
    School.objects.filter(pk=westleigh.pk).update(status=status)

    response = send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)

    _refused_and_nothing_made(response, abbey, westleigh, "is not active on Haven now")


def test_a_training_copy_is_refused(case, abbey, westleigh):
    School.objects.filter(pk=westleigh.pk).update(training_of=abbey)

    response = send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)

    _refused_and_nothing_made(response, abbey, westleigh, "Training schools hold made-up")


def test_the_school_itself_is_refused(case, abbey, westleigh):
    response = send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=abbey.pk)
    _refused_and_nothing_made(response, abbey, westleigh, "That is this school")


def test_the_send_form_lists_only_active_real_schools_other_than_this_one(case, abbey, westleigh):
    page = signed_in(abbey, case["dsl"]).get(f"/transfers/pupils/{case['amara'].pk}/send/")
    text = page.content.decode()
    assert f'<option value="{westleigh.pk}"' in text
    assert f'<option value="{abbey.pk}"' not in text
    School.objects.filter(pk=westleigh.pk).update(status="suspended")
    page = signed_in(abbey, case["dsl"]).get(f"/transfers/pupils/{case['amara'].pk}/send/")
    assert f'<option value="{westleigh.pk}"' not in page.content.decode()


def test_a_second_transfer_of_the_same_child_in_flight_is_refused(case, abbey, westleigh):
    sender = signed_in(abbey, case["dsl"])
    assert send(sender, case["amara"].pk, school=westleigh.pk).status_code == 302

    response = send(sender, case["amara"].pk, destination="elsewhere", to_name="Elsewhere")

    assert response.status_code == 400
    assert "already on its way" in response.content.decode()
    assert len(rows(OutgoingTransfer, abbey)) == 1
    assert len(rows(IncomingTransfer, westleigh)) == 1
    assert events(abbey, "transfer_refused")[-1].details["reasons"] == ["in_flight"]


def test_the_database_itself_holds_one_transfer_in_flight_per_child(case, abbey):
    from django.db import IntegrityError, transaction

    with abbey:
        made = {
            "pupil": case["amara"], "kind": "elsewhere", "to_name": "Elsewhere",
            "moved_on": timezone.localdate(), "due_by": timezone.localdate(),
            "created_by": case["dsl"],
        }  # fmt: skip
        OutgoingTransfer.objects.create(**made)
        with pytest.raises(IntegrityError), transaction.atomic():
            OutgoingTransfer.objects.create(**made)


@pytest.mark.parametrize(
    ("moved_on", "message"),
    [
        (timezone.localdate() + datetime.timedelta(days=121), "more than 120 days ahead"),
        (datetime.date(1980, 1, 1), "on or after 1 January 1990"),
        (datetime.date(2011, 1, 1), "before the child was born"),
        ("not a date", "Enter the date like"),
    ],
)
def test_a_move_date_too_far_ahead_or_absurdly_old_is_refused(
    case, abbey, westleigh, moved_on, message
):
    response = send(
        signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk,
        moved_on=str(moved_on),
    )  # fmt: skip
    _refused_and_nothing_made(response, abbey, westleigh, message)


def test_a_move_planned_up_to_120_days_ahead_is_sent_with_its_clock_from_the_move(
    case, abbey, westleigh
):
    moved_on = timezone.localdate() + datetime.timedelta(days=120)

    response = send(
        signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk,
        moved_on=moved_on.isoformat(),
    )  # fmt: skip

    assert response.status_code == 302
    [outgoing] = rows(OutgoingTransfer, abbey)
    assert outgoing.due_by == moved_on + datetime.timedelta(days=5)
    page = signed_in(abbey, case["dsl"]).get("/transfers/").content.decode()
    assert "Due in 125 days" in page


def test_a_pupil_of_another_school_or_no_pupil_is_not_found(case, abbey, westleigh):
    sender = signed_in(abbey, case["dsl"])
    with westleigh:
        from tests.factories import PupilFactory

        theirs = PupilFactory()
    unknown_id = max(theirs.pk, case["cara"].pk) + 1000

    assert send(sender, unknown_id, school=westleigh.pk).status_code == 404
    assert sender.get(f"/transfers/pupils/{unknown_id}/send/").status_code == 404
    assert not rows(OutgoingTransfer, abbey)
    assert events(abbey, "transfer_refused")[-1].details["reasons"] == ["not_found"]


def test_staff_outside_the_safeguarding_team_are_refused_with_a_reason(case, abbey, westleigh):
    teacher = signed_in(abbey, case["teacher"])

    response = send(teacher, case["amara"].pk, school=westleigh.pk)

    assert response.status_code == 403
    assert "Only the safeguarding team" in response.content.decode()
    assert teacher.get("/transfers/").status_code == 403
    assert not rows(OutgoingTransfer, abbey)
    assert events(abbey, "transfer_refused")[-1].details["reasons"] == ["role"]


def test_a_dsl_without_a_second_factor_is_told_to_elevate(case, abbey, westleigh):
    held = signed_in(abbey, case["dsl"], verified=False)

    response = send(held, case["amara"].pk, school=westleigh.pk)

    assert response.status_code == 403
    assert "second factor" in response.content.decode()
    assert not rows(OutgoingTransfer, abbey)


def test_a_transfer_addressed_to_another_school_cannot_be_accepted(case, abbey, westleigh):
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh)
    with abbey:
        from tests.factories import StaffFactory

        abbey_dsl = StaffFactory(role="Safeguarding team")
    other = signed_in(abbey, abbey_dsl)

    assert other.get(f"/transfers/incoming/{incoming.pk}/").status_code == 404
    assert other.post(f"/transfers/incoming/{incoming.pk}/accept/").status_code == 404
    assert rows(IncomingTransfer, westleigh)[0].status == "pending"


def test_a_teacher_at_the_receiving_school_cannot_accept(case, abbey, westleigh):
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh)

    response = signed_in(westleigh, case["westleigh_teacher"]).post(
        f"/transfers/incoming/{incoming.pk}/accept/"
    )

    assert response.status_code == 403
    assert rows(IncomingTransfer, westleigh)[0].status == "pending"
    assert events(westleigh, "transfer_refused")


def test_accepting_twice_is_refused_and_copies_once(case, abbey, westleigh):
    from safeguarding.transfers.models import TransferredIncident

    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh)
    receiver = signed_in(westleigh, case["receiver"])
    assert receiver.post(f"/transfers/incoming/{incoming.pk}/accept/").status_code == 302

    again = receiver.post(f"/transfers/incoming/{incoming.pk}/accept/")

    assert again.status_code == 409
    assert "already accepted" in again.content.decode()
    assert len(rows(TransferredIncident, westleigh)) == 3
    assert events(westleigh, "transfer_refused")[-1].details["reasons"] == ["already_accepted"]


def _crafted_arrival(case, abbey, westleigh):
    """At Abbey, a transfer of Amara addressed to another school (Abbey itself stands in for
    it); at Westleigh, an arrival no send wrote, pointing at that transfer."""
    with abbey:
        addressed_elsewhere = OutgoingTransfer.objects.create(
            pupil=case["amara"], kind="platform", to_school=abbey,
            moved_on=timezone.localdate(), due_by=timezone.localdate(),
            created_by=case["dsl"],
        )  # fmt: skip
    with westleigh:
        crafted = IncomingTransfer.objects.create(
            from_school=abbey, sender_transfer_id=addressed_elsewhere.pk,
            moved_on=timezone.localdate(), due_by=timezone.localdate(),
            legal_first_name="Amara", legal_last_name="Okafor",
            date_of_birth=datetime.date(2012, 3, 4), upn="A123456789012",
        )  # fmt: skip
    return crafted


def test_an_arrival_the_sender_did_not_address_here_is_refused_and_touches_nothing(
    case, abbey, westleigh
):
    from safeguarding.people.models import Pupil
    from safeguarding.transfers.models import TransferredIncident

    crafted = _crafted_arrival(case, abbey, westleigh)
    receiver = signed_in(westleigh, case["receiver"])
    base = f"/transfers/incoming/{crafted.pk}/"

    assert receiver.get(base).status_code == 404
    assert receiver.post(base + "accept/").status_code == 404
    assert receiver.post(base + "reject/", {"reason": "Not ours."}).status_code == 404

    [outgoing] = rows(OutgoingTransfer, abbey)
    assert (outgoing.status, outgoing.viewed_at, outgoing.rejected_at) == ("pending", None, None)
    [arrival] = rows(IncomingTransfer, westleigh)
    assert (arrival.status, arrival.viewed_at, arrival.full_name) == (
        "pending", None, "Amara Okafor"
    )  # fmt: skip
    assert not rows(TransferredIncident, westleigh)
    assert not rows(Pupil, westleigh, upn="A123456789012")
    with abbey:
        assert Pupil.objects.get(pk=case["amara"].pk).leaving_date is None
    refusals = events(westleigh, "transfer_refused")
    assert [r.details["reasons"] for r in refusals] == [["not_addressed_here"]] * 3
    for action in ("transfer_viewed", "transfer_accepted", "transfer_rejected"):
        assert not events(abbey, action) and not events(westleigh, action)
