"""A file for a school not on Haven: an encrypted bundle under a passphrase shown once, a
receipt link that works once, and nothing written anywhere but the sending school."""

from __future__ import annotations

import io
import re

import pytest
import pyzipper
from django.db import connection

from safeguarding.transfers.models import OutgoingTransfer
from tests.safeguarding.records.helpers import pdf_text
from tests.safeguarding.transfers.helpers import events, passphrase_in, rows, send_elsewhere
from tests.sessions import signed_in


def _bundle(sender, transfer_id: int) -> bytes:
    response = sender.get(f"/transfers/{transfer_id}/bundle/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return response.content


def _open(content: bytes, passphrase: str) -> dict[str, bytes]:
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(passphrase.encode())
        return {name: archive.read(name) for name in archive.namelist()}


def _sent(case, abbey):
    sender = signed_in(abbey, case["dsl"])
    response = send_elsewhere(sender, case["amara"].pk)
    assert response.status_code == 200
    [transfer] = rows(OutgoingTransfer, abbey)
    return sender, transfer, passphrase_in(response), response


def _receipt_link(files: dict[str, bytes]) -> str:
    found = re.search(r"http://abbey\.localhost:8000(/transfers/receipt/[^/\s]+/)",
                      files["RECEIPT.txt"].decode())  # fmt: skip
    assert found, files["RECEIPT.txt"]
    return found.group(1)


def test_the_passphrase_is_strong_shown_once_and_stored_nowhere(case, abbey):
    _, transfer, passphrase, response = _sent(case, abbey)

    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}", passphrase)
    assert response["Cache-Control"] == "private, no-store"
    with abbey, connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(t)::text FROM transfers_outgoingtransfer t")
        [(stored,)] = cursor.fetchall()
    assert passphrase not in stored
    assert len(transfer.token_sha256) == 64
    page = signed_in(abbey, case["dsl"]).get(f"/transfers/{transfer.pk}/").content.decode()
    assert passphrase not in page


def test_the_bundle_opens_with_the_passphrase_and_holds_the_file(case, abbey):
    sender, transfer, passphrase, _ = _sent(case, abbey)

    files = _open(_bundle(sender, transfer.pk), passphrase)

    assert set(files) == {"RECEIPT.txt", "chronology.pdf", "FILES.txt", "files/001.pdf",
                          "files/002.txt"}  # fmt: skip
    from tests import samples

    assert files["files/001.pdf"] == samples.PDF
    assert files["files/002.txt"] == samples.TEXT
    assert "statement.pdf" in files["FILES.txt"].decode()
    text = pdf_text(files["chronology.pdf"])
    assert "Amara Okafor" in text
    assert "Disclosure at lunch." in text
    assert "Referred to children" in text
    assert "Cara" not in text and "Ndlovu" not in text
    assert "[another pupil]" in text
    assert events(abbey, "transfer_bundle_downloaded")


def test_the_bundle_does_not_open_with_a_wrong_passphrase(case, abbey):
    sender, transfer, _, _ = _sent(case, abbey)
    content = _bundle(sender, transfer.pk)

    with pytest.raises(RuntimeError, match=r"(?i)bad password"):
        _open(content, "WRONG-PASS-PHRA-SE00-0000")
    # Nor do the entries' names give the child away.
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        assert not any("statement" in name or "Amara" in name for name in archive.namelist())


def test_the_receipt_link_shows_no_child_and_confirms_once(case, abbey):
    sender, transfer, passphrase, _ = _sent(case, abbey)
    link = _receipt_link(_open(_bundle(sender, transfer.pk), passphrase))
    stranger = signed_in(abbey, case["dsl"]).__class__(HTTP_HOST="abbey.localhost")

    page = stranger.get(link)
    assert page.status_code == 200
    assert abbey.name in page.content.decode() and transfer.reference in page.content.decode()
    assert "Amara" not in page.content.decode() and "Okafor" not in page.content.decode()

    done = stranger.post(link, {"name": "Nia North", "school": "Northfield Academy"})
    assert done.status_code == 200
    [confirmed] = rows(OutgoingTransfer, abbey)
    assert confirmed.status == "accepted" and confirmed.archived_at is not None
    assert (confirmed.receipt_name, confirmed.receipt_school) == ("Nia North", "Northfield Academy")
    assert events(abbey, "transfer_receipt_confirmed")
    assert stranger.get(link).status_code == 404
    assert stranger.post(link, {"name": "Again", "school": "Again"}).status_code == 404
    assert stranger.get("/transfers/receipt/not-a-real-token/").status_code == 404
    page = sender.get(f"/transfers/{transfer.pk}/").content.decode()
    assert "by Nia North, Northfield Academy" in page


def test_opening_the_receipt_link_writes_nothing_until_a_person_submits_it(case, abbey):
    sender, transfer, passphrase, _ = _sent(case, abbey)
    link = _receipt_link(_open(_bundle(sender, transfer.pk), passphrase))
    stranger = sender.__class__(HTTP_HOST="abbey.localhost")

    for _ in range(3):  # a mail system's link scanner, say
        assert stranger.get(link).status_code == 200
    assert rows(OutgoingTransfer, abbey)[0].status == "pending"
    assert not events(abbey, "transfer_viewed")

    for _ in range(2):
        incomplete = stranger.post(link, {"name": "", "school": "Northfield Academy"})
        assert incomplete.status_code == 400
        assert 'href="#field-name"' in incomplete.content.decode()
        assert 'id="field-name"' in incomplete.content.decode()
    [viewed] = rows(OutgoingTransfer, abbey)
    assert (viewed.status, viewed.accepted_at) == ("viewed", None)
    assert len(events(abbey, "transfer_viewed")) == 1


def test_files_txt_hides_another_pupils_name_in_a_file_name(case, abbey):
    from io import BytesIO

    from safeguarding.concerns.services import Upload, add_action
    from tests import samples
    from tests.safeguarding.records.helpers import days_ago
    from tests.sessions import verified_viewer

    with abbey:
        add_action(
            viewer=verified_viewer(case["dsl"]), incident_id=case["pushed"].pk, kind="note",
            text="Statement taken.", occurred_at=days_ago(8),
            uploads=[Upload(file=BytesIO(samples.TEXT), name="Cara Ndlovu statement.txt")],
        )  # fmt: skip
    sender, transfer, passphrase, _ = _sent(case, abbey)

    index = _open(_bundle(sender, transfer.pk), passphrase)["FILES.txt"].decode()

    assert "statement.txt" in index
    assert "Cara" not in index and "Ndlovu" not in index


def test_a_withdrawn_bundle_is_gone_and_its_receipt_link_stops_working(
    case, abbey, django_capture_on_commit_callbacks
):
    sender, transfer, passphrase, _ = _sent(case, abbey)
    link = _receipt_link(_open(_bundle(sender, transfer.pk), passphrase))
    key = transfer.bundle_key

    with django_capture_on_commit_callbacks(execute=True):
        response = sender.post(f"/transfers/{transfer.pk}/withdraw/")

    assert response.status_code == 302
    [withdrawn] = rows(OutgoingTransfer, abbey)
    assert (withdrawn.status, withdrawn.bundle_key, withdrawn.token_sha256) == ("withdrawn", "", "")
    with abbey:
        from django.core.files.storage import default_storage

        assert not default_storage.exists(key)
    stranger = sender.__class__(HTTP_HOST="abbey.localhost")
    assert stranger.get(link).status_code == 404
    assert sender.get(f"/transfers/{transfer.pk}/bundle/").status_code == 404
    assert events(abbey, "transfer_withdrawn")[-1].details == {"kind": "elsewhere"}


def test_sending_again_makes_a_new_bundle_and_the_old_link_stops_working(case, abbey):
    sender, transfer, first, _ = _sent(case, abbey)
    old_link = _receipt_link(_open(_bundle(sender, transfer.pk), first))

    response = sender.post(f"/transfers/{transfer.pk}/resend/")

    second = passphrase_in(response)
    assert second != first
    files = _open(_bundle(sender, transfer.pk), second)
    new_link = _receipt_link(files)
    assert new_link != old_link
    stranger = sender.__class__(HTTP_HOST="abbey.localhost")
    assert stranger.get(old_link).status_code == 404
    assert stranger.get(new_link).status_code == 200
    assert rows(OutgoingTransfer, abbey)[0].sent_count == 2
    assert events(abbey, "transfer_resent")


def _every_table_count(schema: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_an_off_platform_transfer_writes_nothing_outside_the_sending_school(case, abbey, westleigh):
    before = {s: _every_table_count(s) for s in (westleigh.schema_name, "public")}

    sender, transfer, passphrase, _ = _sent(case, abbey)
    link = _receipt_link(_open(_bundle(sender, transfer.pk), passphrase))
    sender.post(f"/transfers/{transfer.pk}/resend/")
    stranger = sender.__class__(HTTP_HOST="abbey.localhost")
    assert stranger.get(link).status_code == 404  # the old link, after the resend

    connection.set_schema_to_public()
    after = {s: _every_table_count(s) for s in (westleigh.schema_name, "public")}
    assert after == before
    assert rows(OutgoingTransfer, abbey)[0].kind == "elsewhere"
