"""A child's file moves from Abbey to Westleigh through the pages, with a receipt back."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from safeguarding.concerns.models import Attachment
from safeguarding.people.models import Pupil
from safeguarding.transfers.models import (
    IncomingTransfer,
    OutgoingTransfer,
    TransferAlert,
    TransferredAction,
    TransferredFile,
    TransferredIncident,
)
from tenants.models import OutboxMessage
from tests.safeguarding.transfers.helpers import events, rows, send
from tests.sessions import signed_in


def _send_and_accept(case, abbey, westleigh):
    sender = signed_in(abbey, case["dsl"])
    response = send(sender, case["amara"].pk, school=westleigh.pk)
    assert response.status_code == 302
    [incoming] = rows(IncomingTransfer, westleigh)
    receiver = signed_in(westleigh, case["receiver"])
    assert receiver.get(f"/transfers/incoming/{incoming.pk}/").status_code == 200
    response = receiver.post(f"/transfers/incoming/{incoming.pk}/accept/")
    assert response.status_code == 302, response.content.decode()[:2000]
    return sender, receiver, incoming


def test_sending_puts_the_child_header_and_counts_at_the_receiving_school(case, abbey, westleigh):
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)

    [incoming] = rows(IncomingTransfer, westleigh)
    [outgoing] = rows(OutgoingTransfer, abbey)
    assert (incoming.from_school_id, incoming.sender_transfer_id) == (abbey.pk, outgoing.pk)
    assert (incoming.full_name, incoming.upn) == ("Amara Okafor", "A123456789012")
    assert (incoming.incident_count, incoming.action_count, incoming.file_count) == (3, 1, 2)
    assert outgoing.status == "pending"
    assert outgoing.due_by == timezone.localdate() + timezone.timedelta(days=5)


def test_each_receiving_dsl_gets_a_content_free_email_through_the_outbox(
    case, abbey, westleigh, settings
):
    from django.core import mail

    from safeguarding.transfers.delivery import email_transfer_alert

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)

    alerts = rows(TransferAlert, westleigh, user=case["receiver"])
    assert len(alerts) == 1
    assert OutboxMessage.objects.filter(
        school=westleigh, kind="transfer_arrived", reference=alerts[0].pk
    ).exists()
    with westleigh:
        email_transfer_alert(alerts[0].pk)
    [email] = mail.outbox
    assert email.to == ["dsl2@westleigh.example"]
    assert "/transfers/incoming/" in email.body
    for content in ("Amara", "Okafor", "Abbey", "Cara", "pushed"):
        assert content not in email.body + email.subject


def test_an_accepted_file_lands_as_a_copy_with_the_same_content_and_files(case, abbey, westleigh):
    _send_and_accept(case, abbey, westleigh)

    with westleigh:
        pupil = Pupil.objects.get(upn="A123456789012")
        assert pupil.full_name == "Amara Okafor"
        assert pupil.admission_date == timezone.localdate()
        copies = list(TransferredIncident.objects.filter(pupil=pupil).order_by("occurred_at"))
        pushed, disclosure, about_cara = copies
        assert pushed.original_reference == case["pushed"].reference
        assert pushed.text == (
            "Amara Okafor said she was pushed. [another pupil] saw it; "
            "[another pupil]'s coat was torn."
        )
        assert pushed.linked_roles == ["Witness"]
        assert pushed.categories == ["Bullying"]
        assert pushed.author == "Robin Lead (RL)"
        assert pushed.marks == [
            {"side": "front", "x": 500, "y": 300, "kind": "bruise", "note": "Left forearm"}
        ]
        assert disclosure.text == "Disclosure at lunch."
        assert about_cara.role == "Victim"
        assert "Cara" not in about_cara.text and "[another pupil]" in about_cara.text
        [action] = TransferredAction.objects.filter(pupil=pupil)
        assert action.incident_id == pushed.pk
        assert (action.agency, action.reference) == ("Police", "CS-4411")
        assert "Cara" not in action.text
        copied = {f.name: f for f in TransferredFile.objects.filter(pupil=pupil)}
        assert set(copied) == {"statement.pdf", "notes.txt"}
        assert copied["notes.txt"].action_id == action.pk
        for found in copied.values():
            with default_storage.open(found.key, "rb") as stored:
                assert hashlib.sha256(stored.read()).hexdigest() == found.sha256
            assert found.key.startswith("transferred/")
    with abbey:
        originals = {a.name: a.sha256 for a in Attachment.objects.all()}
    assert {name: f.sha256 for name, f in copied.items()} == originals


def test_the_sender_sees_the_receipt_and_the_child_marked_as_left(case, abbey, westleigh):
    sender, _, _ = _send_and_accept(case, abbey, westleigh)

    [outgoing] = rows(OutgoingTransfer, abbey)
    assert outgoing.status == "accepted"
    assert outgoing.archived_at is not None and outgoing.viewed_at is not None
    assert (outgoing.receipt_name, outgoing.receipt_school) == ("Wren Keeper", westleigh.name)
    with abbey:
        assert Pupil.objects.get(pk=case["amara"].pk).leaving_date == outgoing.moved_on
    page = sender.get(f"/transfers/{outgoing.pk}/").content.decode()
    assert "Accepted" in page
    assert f"by Wren Keeper, {westleigh.name}" in page
    assert "received on" in page


def test_every_step_is_in_both_schools_audit_logs_under_each_schools_own_pupil(
    case, abbey, westleigh
):
    from tests.factories import PupilFactory

    with westleigh:  # so that the two schools' ids for Amara cannot coincide
        if PupilFactory().pk + 1 == case["amara"].pk:
            PupilFactory()
    _send_and_accept(case, abbey, westleigh)
    with westleigh:
        amara_here = Pupil.objects.get(upn="A123456789012").pk
    assert amara_here != case["amara"].pk

    for school in (abbey, westleigh):
        assert events(school, "transfer_sent"), school.slug
        assert events(school, "transfer_viewed"), school.slug
    [at_abbey] = events(abbey, "transfer_accepted")
    assert at_abbey.actor_id is None  # Westleigh's accounts are not Abbey's
    assert at_abbey.actor_label == "dsl2@westleigh.example"
    assert at_abbey.pupil_id == case["amara"].pk
    [sent_at_abbey] = events(abbey, "transfer_sent")
    assert sent_at_abbey.pupil_id == case["amara"].pk
    [at_westleigh] = events(westleigh, "transfer_accepted")
    assert at_westleigh.actor_id == case["receiver"].pk
    assert at_westleigh.pupil_id == amara_here
    # Before accepting, Westleigh had no pupil for the child: its log names none.
    assert {e.pupil_id for e in events(westleigh, "transfer_sent")} == {None}


def test_the_copy_refuses_update_delete_and_truncate_in_the_database(case, abbey, westleigh):
    _send_and_accept(case, abbey, westleigh)

    with westleigh, connection.cursor() as cursor:
        # The copy's foreign keys are checked at commit; check them now, so that TRUNCATE
        # meets the trigger rather than the pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with westleigh:
        for model in (TransferredIncident, TransferredAction, TransferredFile):
            table = model._meta.db_table
            for statement in (
                f"UPDATE {table} SET pupil_id = pupil_id",
                f"DELETE FROM {table}",
                f"TRUNCATE {table} CASCADE",
            ):
                with (
                    pytest.raises(DatabaseError, match="Haven keeps"),
                    transaction.atomic(),
                    connection.cursor() as cursor,
                ):
                    cursor.execute(statement)
        assert TransferredIncident.objects.count() == 3
        assert TransferredFile.objects.count() == 2


def test_the_pupil_page_links_to_the_transferred_file_for_the_dsl_only(case, abbey, westleigh):
    _, receiver, incoming = _send_and_accept(case, abbey, westleigh)
    with westleigh:
        pupil = Pupil.objects.get(upn="A123456789012")

    page = receiver.get(f"/pupils/{pupil.pk}/").content.decode()
    assert f"Transferred file from {abbey.name}" in page
    assert f"/transfers/received/{incoming.pk}/" in page
    received = receiver.get(f"/transfers/received/{incoming.pk}/").content.decode()
    assert "Disclosure at lunch." in received
    assert "Transferred" in received
    assert events(westleigh, "transferred_file_viewed")
    # Not mixed into the school's own chronology.
    chronology = page.split('id="chronology-heading"')[1]
    assert "Disclosure at lunch." not in chronology


def test_a_transferred_file_downloads_for_the_dsl_and_is_audited(case, abbey, westleigh):
    _, receiver, _ = _send_and_accept(case, abbey, westleigh)
    with westleigh:
        found = TransferredFile.objects.get(name="notes.txt")

    response = receiver.get(f"/transfers/received/files/{found.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"Notes written after")
    assert events(westleigh, "transferred_attachment_downloaded")


def test_staff_other_than_the_dsls_cannot_find_the_transferred_file(case, abbey, westleigh):
    _, _, incoming = _send_and_accept(case, abbey, westleigh)
    with westleigh:
        found = TransferredFile.objects.get(name="notes.txt")
    teacher = signed_in(westleigh, case["westleigh_teacher"])

    assert teacher.get(f"/transfers/received/{incoming.pk}/").status_code == 404
    assert teacher.get(f"/transfers/received/files/{found.pk}/").status_code == 404
    unverified = signed_in(westleigh, case["receiver"], verified=False)
    assert unverified.get(f"/transfers/received/{incoming.pk}/").status_code == 404


def test_the_pupil_page_offers_the_transfer_to_the_dsl_and_not_to_slt(case, abbey):
    from tests.factories import StaffFactory

    page = signed_in(abbey, case["dsl"]).get(f"/pupils/{case['amara'].pk}/").content.decode()
    assert "Transfer this child&#x27;s file" in page or "Transfer this child's file" in page
    with abbey:
        slt = StaffFactory(role="SLT")
    page = signed_in(abbey, slt).get(f"/pupils/{case['amara'].pk}/").content.decode()
    assert "Transfer this child" not in page


def test_the_desk_lists_transfers_waiting_and_in_flight(case, abbey, westleigh):
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh)
    [outgoing] = rows(OutgoingTransfer, abbey)

    desk = signed_in(westleigh, case["receiver"]).get("/dsl/").content.decode()
    assert f"/transfers/incoming/{incoming.pk}/" in desk and "Due in 5 days" in desk
    desk = signed_in(abbey, case["dsl"]).get("/dsl/").content.decode()
    assert f"/transfers/{outgoing.pk}/" in desk and "due in 5 days" in desk


def test_the_first_post_asks_to_confirm_naming_the_child_and_the_school(case, abbey, westleigh):
    sender = signed_in(abbey, case["dsl"])

    page = send(sender, case["amara"].pk, school=westleigh.pk, step="")

    assert page.status_code == 200
    text = page.content.decode()
    question = "Send Amara Okafor's file to Westleigh Methodist Primary School?"
    assert question in text
    title = text.split("<title>")[1].split("</title>")[0]
    assert "Amara" not in title and "Westleigh" not in title
    assert not rows(OutgoingTransfer, abbey) and not rows(IncomingTransfer, westleigh)
    assert f'<input type="hidden" name="school" value="{westleigh.pk}">' in text

    changed = send(sender, case["amara"].pk, school=westleigh.pk, step="change")
    assert changed.status_code == 200
    assert f'<option value="{westleigh.pk}" selected' in changed.content.decode()
    assert not rows(OutgoingTransfer, abbey)


def test_transferred_files_keep_their_name_and_type_in_storage(case, abbey, westleigh, monkeypatch):
    """On S3 the download is a redirect to the object, which must carry both itself."""
    from safeguarding.transfers import services

    saved = {}
    real_save = services.default_storage.save

    def save(name, content, *args, **kwargs):
        saved[getattr(content, "download_name", None)] = getattr(content, "content_type", None)
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(services.default_storage, "save", save)
    _send_and_accept(case, abbey, westleigh)

    assert saved == {"statement.pdf": "application/pdf", "notes.txt": "text/plain"}


def test_the_receiving_dsl_sees_whom_the_file_will_be_added_to(case, abbey, westleigh):
    import datetime

    from tests.factories import PupilFactory

    with westleigh:
        PupilFactory(
            upn="A123456789012", legal_first_name="Amara", legal_last_name="Okafor-Reid",
            date_of_birth=datetime.date(2012, 3, 4), leaving_date=datetime.date(2024, 7, 20),
        )  # fmt: skip
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh)
    receiver = signed_in(westleigh, case["receiver"])

    page = receiver.get(f"/transfers/incoming/{incoming.pk}/").content.decode()

    assert "Amara Okafor-Reid, born 4 March 2012" in page
    assert "left on 20 July 2024" in page
    assert receiver.post(f"/transfers/incoming/{incoming.pk}/accept/").status_code == 302
    with westleigh:
        [pupil] = Pupil.objects.filter(upn="A123456789012")
        assert pupil.legal_last_name == "Okafor-Reid"
        assert TransferredIncident.objects.filter(pupil=pupil).count() == 3


def test_a_pupil_with_the_upn_and_another_date_of_birth_is_not_given_the_file(
    case, abbey, westleigh
):
    import datetime

    from tests.factories import PupilFactory

    with westleigh:
        other = PupilFactory(upn="A123456789012", date_of_birth=datetime.date(2013, 9, 1))
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    [incoming] = rows(IncomingTransfer, westleigh)
    receiver = signed_in(westleigh, case["receiver"])
    page = receiver.get(f"/transfers/incoming/{incoming.pk}/").content.decode()
    assert "different date of birth" in page and "born 1 September 2013" in page
    assert f"/transfers/incoming/{incoming.pk}/accept/" not in page

    response = receiver.post(f"/transfers/incoming/{incoming.pk}/accept/")

    assert response.status_code == 409
    assert "nothing was copied" in response.content.decode()
    assert not rows(TransferredIncident, westleigh)
    assert not rows(TransferredIncident, westleigh, pupil=other)
    assert rows(IncomingTransfer, westleigh)[0].status == "viewed"
    assert rows(OutgoingTransfer, abbey)[0].status == "viewed"
    refused = events(westleigh, "transfer_refused")[-1]
    assert refused.details["reasons"] == ["date_of_birth_differs"]
    assert not events(abbey, "transfer_accepted")
