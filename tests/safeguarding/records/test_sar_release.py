"""A request from the pupil's page to its release: recorded as a draft, reviewed exactly as
it will be released, released once (who, when, the file kept), downloaded again later, each
step audited; and never a child's name in an address, a title or a file name."""

from __future__ import annotations

import hashlib

import pytest

from safeguarding.audit.models import AuditEvent
from safeguarding.records.models import SubjectAccessRequest
from tests.factories import StaffFactory
from tests.safeguarding.records.sar_case import build_sar_case, new_request, release
from tests.sessions import signed_in


@pytest.fixture
def sar_case(abbey):
    with abbey:
        return build_sar_case()


def _events(school, action: str) -> list[AuditEvent]:
    with school:
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _draft(abbey, case, **fields) -> tuple[object, SubjectAccessRequest]:
    client = signed_in(abbey, case.dsl)
    response = new_request(client, case.amara.pk, **fields)
    with abbey:
        sar = SubjectAccessRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/subject-access-requests/{sar.pk}/"
    return client, sar


def test_the_pupil_page_offers_a_request_to_the_safeguarding_team_only(abbey, sar_case):
    with abbey:
        slt = StaffFactory(role="SLT")
    path = f"/pupils/{sar_case.amara.pk}/"
    link = f'href="/pupils/{sar_case.amara.pk}/subject-access-request/"'
    assert link in signed_in(abbey, sar_case.dsl).get(path).content.decode()
    assert link not in signed_in(abbey, slt).get(path).content.decode()


def test_the_form_starts_from_the_schools_setting_and_today(abbey, sar_case):
    from django.utils import timezone

    response = signed_in(abbey, sar_case.dsl).get(
        f"/pupils/{sar_case.amara.pk}/subject-access-request/"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>New subject access request · Haven</title>" in page
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert 'value="initials" checked' in page and 'value="full" checked' not in page
    for value in ("parent_carer", "pupil", "solicitor", "other"):
        assert f'name="requested_by" value="{value}"' in page
    assert '<label for="id_received_on">' in page


def test_a_new_request_is_a_draft_recorded_with_who_made_it(abbey, sar_case):
    _, sar = _draft(abbey, sar_case, requested_by="solicitor", date_from="2020-01-01")
    assert sar.status == "draft" and sar.requested_by == "solicitor"
    assert sar.pupil_id == sar_case.amara.pk and sar.created_by_id == sar_case.dsl.pk
    assert str(sar.date_from) == "2020-01-01" and sar.date_to is None
    assert sar.staff_as_initials and sar.released_at is None
    [created] = _events(abbey, "sar_created")
    assert (created.object_type, created.object_id, created.pupil_id) == (
        "subject_access_request", sar.pk, sar_case.amara.pk,
    )  # fmt: skip
    assert created.details["requester"] == "solicitor"
    assert created.details["from"] == "2020-01-01" and created.details["to"] is None


def test_the_review_shows_exactly_what_will_be_released_with_the_redactions(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    response = client.get(f"/subject-access-requests/{sar.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Subject access request · Haven</title>" in page
    assert '<mark class="redacted">[another pupil]</mark> pushed her' in page
    assert '<mark class="redacted">[a parent of another pupil]</mark> came in' in page
    assert "Told RL at break." in page and "Recorded by MF" in page
    for name in ("Cara", "Ndlovu", "Thandiwe", "Oliver", "Pemberton", "Fairweather"):
        assert name not in page, name
    assert "Grace Okafor" in page and "Daniel Mensah" in page
    assert 'name="reviewed" value="' in page and "Release and download" in page
    assert [e.object_id for e in _events(abbey, "sar_reviewed")] == [sar.pk]
    assert not _events(abbey, "sar_released")


def test_releasing_records_who_and_when_and_downloads_the_file(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    response = release(client, sar.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sar-{sar.pk}-pupil-{sar_case.amara.pk}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    with abbey:
        sar.refresh_from_db()
    assert sar.status == "released" and sar.released_by_id == sar_case.dsl.pk
    assert sar.released_at is not None
    assert bytes(sar.released_file) == response.content
    assert sar.released_sha256 == hashlib.sha256(response.content).hexdigest()
    [released] = _events(abbey, "sar_released")
    assert released.object_id == sar.pk and released.pupil_id == sar_case.amara.pk
    assert released.details["incidents"] == 3 and released.details["staff_initials"] is True


def test_releasing_twice_downloads_the_same_file_without_a_second_release(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    first = release(client, sar.pk).content
    again = client.post(
        f"/subject-access-requests/{sar.pk}/release/", {"reviewed": "stale", "confirmed": "on"}
    )
    assert again.status_code == 200 and again.content == first
    assert len(_events(abbey, "sar_released")) == 1
    assert [e.object_id for e in _events(abbey, "sar_downloaded")] == [sar.pk]


def test_the_released_file_downloads_again_unchanged_and_each_download_is_audited(abbey, sar_case):
    from safeguarding.concerns.services import add_action
    from tests.sessions import verified_viewer

    client, sar = _draft(abbey, sar_case)
    released = release(client, sar.pk).content
    with abbey:  # recorded after the release: not in the released file
        add_action(
            viewer=verified_viewer(sar_case.dsl), incident_id=sar_case.pushed.pk, kind="note",
            text="Added after the release.",
        )  # fmt: skip
    for _ in range(2):
        response = client.get(f"/subject-access-requests/{sar.pk}/download/")
        assert response.status_code == 200 and response.content == released
        assert response["Content-Disposition"].endswith(
            f'filename="sar-{sar.pk}-pupil-{sar_case.amara.pk}.pdf"'
        )
    assert len(_events(abbey, "sar_downloaded")) == 2


def test_a_released_request_offers_its_file_and_no_second_release(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    release(client, sar.pk)
    page = client.get(f"/subject-access-requests/{sar.pk}/").content.decode()
    assert f'href="/subject-access-requests/{sar.pk}/download/"' in page
    assert "Release and download" not in page and "Released" in page
    assert "Told RL" not in page  # the file is kept, not shown again


def test_release_needs_the_confirmation(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    response = release(client, sar.pk, confirmed=False)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tick the box to confirm" in page and 'href="#field-confirmed"' in page
    with abbey:
        assert SubjectAccessRequest.objects.get().status == "draft"
    assert not _events(abbey, "sar_released")


def test_release_refuses_a_file_that_changed_since_it_was_reviewed(abbey, sar_case):
    from safeguarding.concerns.services import add_action
    from tests.safeguarding.records.sar_case import reviewed_digest
    from tests.sessions import verified_viewer

    client, sar = _draft(abbey, sar_case)
    digest = reviewed_digest(client, sar.pk)
    with abbey:
        add_action(
            viewer=verified_viewer(sar_case.dsl), incident_id=sar_case.pushed.pk, kind="note",
            text="Recorded while the DSL was reading.",
        )  # fmt: skip
    response = release(client, sar.pk, reviewed=digest)
    page = response.content.decode()
    assert response.status_code == 400
    assert "changed since you reviewed it" in page
    assert "Recorded while the DSL was reading." in page  # the review again, as it is now
    with abbey:
        assert SubjectAccessRequest.objects.get().status == "draft"
    assert release(client, sar.pk).status_code == 200


def test_a_draft_has_no_file_to_download_yet(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    response = client.get(f"/subject-access-requests/{sar.pk}/download/")
    assert response.status_code == 403
    assert "has not been released yet" in response.content.decode()
    assert not _events(abbey, "sar_downloaded")


def test_the_file_is_not_shown_while_names_are_hidden_on_screen(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    session = client.session
    session["haven_hide_names"] = True
    session.save()
    page = client.get(f"/subject-access-requests/{sar.pk}/").content.decode()
    assert "Names are hidden on screen" in page
    assert "Amara" not in page and "Release and download" not in page
    assert not _events(abbey, "sar_reviewed")


def test_no_childs_name_in_an_address_a_title_or_a_file_name(abbey, sar_case):
    client, sar = _draft(abbey, sar_case)
    responses = [
        client.get(f"/pupils/{sar_case.amara.pk}/subject-access-request/"),
        client.get(f"/subject-access-requests/{sar.pk}/"),
        client.get("/subject-access-requests/"),
        release(client, sar.pk),
    ]
    for response in responses:
        page = response.content.decode(errors="replace")
        title = page.split("<title>")[1].split("</title>")[0] if "<title>" in page else ""
        for name in ("Amara", "Okafor"):
            assert name not in title
            assert name not in response.get("Content-Disposition", "")
            assert name not in response.get("Location", "")
