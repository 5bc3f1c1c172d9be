"""A school held read-only by an overdue invoice: reading works, safeguarding work goes on
(recording a concern through the real Add Incident form and the API, finding the pupil,
following it up with actions), every other write is refused with the reason, and full access
returns once the invoice is paid."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from billing.dunning import run_dunning
from billing.read_only import MESSAGE
from billing.services import record_payment
from safeguarding.concerns.models import Category, Incident
from tests import samples
from tests.billing.conftest import OPS
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in


@pytest.fixture
def people(abbey):
    with abbey:
        form = GroupFactory(name="9R", kind="form")
        yield {
            "teacher": StaffFactory(email="teacher@abbey.example", groups=[form]),
            "dsl": StaffFactory(email="lead@abbey.example", role="Safeguarding team"),
            "pupil": PupilFactory(form=form),
            "concern": Category.objects.get(name="Cause for Concern").pk,
        }


@pytest.fixture
def overdue(trust_invoice):
    """45 days past due: abbey and westleigh are read-only."""
    run_dunning(
        today=trust_invoice.due_on + datetime.timedelta(days=45),
        reminder_days=(7, 21),
        read_only_days=45,
    )
    return trust_invoice


def _incident_form(people) -> dict:
    return {
        "pupil": people["pupil"].pk,
        "text": "Said she is scared to go home.",
        "categories": [people["concern"]],
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "status": "active",
        "mark_side": ["back"],
        "mark_x": ["480"],
        "mark_y": ["300"],
        "mark_kind": ["bruise"],
        "mark_note": ["Shoulder"],
        "submit": "1",
        "files": SimpleUploadedFile("note.txt", samples.TEXT, content_type="text/plain"),
    }


def test_a_teacher_records_a_concern_through_the_form_while_read_only(abbey, people, overdue):
    client = signed_in(abbey, people["teacher"])
    page = client.get("/incidents/new/")
    assert page.status_code == 200
    assert "read-only because an invoice is overdue" in page.content.decode()
    # The form's own steps (choosing the pupil, adding a body-map mark) post to it too.
    assert client.post("/incidents/new/", {"add_mark": "1"}).status_code == 200

    response = client.post("/incidents/new/", _incident_form(people))

    assert response.status_code == 302, response.content.decode()[:500]
    with abbey:
        incident = Incident.objects.get()
        assert incident.attachments.get().name == "note.txt"
        assert incident.marks.get().side == "back"


def test_the_pupil_type_ahead_works_while_read_only(abbey, people, overdue):
    client = signed_in(abbey, people["teacher"])
    assert client.post("/pick/pupils/?for=subject", {"pupil_q": "zz"}).status_code == 200


def test_the_api_records_a_concern_while_read_only(abbey, people, overdue):
    client = signed_in(abbey, people["teacher"])
    body = {
        "pupil": people["pupil"].pk,
        "text": "Had not eaten since yesterday.",
        "categories": [people["concern"]],
        "occurred_at": timezone.now().isoformat(),
    }

    response = client.post("/api/v1/incidents/", json.dumps(body), content_type="application/json")

    assert response.status_code == 201, response.content


def test_an_api_client_finds_the_pupil_then_records_a_concern_while_read_only(
    abbey, people, overdue
):
    client = signed_in(abbey, people["teacher"])
    pupil = people["pupil"]

    found = client.post(
        "/api/v1/pupils/search/",
        json.dumps({"q": pupil.legal_last_name}),
        content_type="application/json",
    )
    assert found.status_code == 200, found.content
    assert pupil.pk in [row["id"] for row in found.json()["results"]]
    body = {
        "pupil": pupil.pk,
        "text": "Arrived with a bruise.",
        "categories": [people["concern"]],
        "occurred_at": timezone.now().isoformat(),
    }
    created = client.post("/api/v1/incidents/", json.dumps(body), content_type="application/json")

    assert created.status_code == 201, created.content
    with abbey:
        assert Incident.objects.filter(pupil=pupil).count() == 1


def _recorded_by(abbey, people, who: str) -> Incident:
    with abbey:
        from safeguarding.concerns.services import record_incident
        from tests.sessions import verified_viewer

        return record_incident(
            viewer=verified_viewer(people[who]), pupil_id=people["pupil"].pk,
            text="Disclosure.", category_ids=[people["concern"]], occurred_at=timezone.now(),
        )  # fmt: skip


def test_a_teacher_follows_a_concern_up_with_actions_while_read_only(abbey, people, overdue):
    incident = _recorded_by(abbey, people, "teacher")
    client = signed_in(abbey, people["teacher"])

    page = client.post(
        f"/incidents/{incident.pk}/actions/new/", {"kind": "note", "text": "Called home."}
    )
    api = client.post(
        f"/api/v1/incidents/{incident.pk}/actions/",
        json.dumps({"kind": "note", "text": "Spoke to her again."}),
        content_type="application/json",
    )

    assert page.status_code == 302, page.content.decode()[:500]
    assert api.status_code == 201, api.content
    with abbey:
        assert sorted(incident.actions.values_list("text", flat=True)) == [
            "Called home.",
            "Spoke to her again.",
        ]


def test_safeguarding_follow_up_and_transfers_are_on_the_allow_list():
    from billing.read_only import OPEN_ROUTES

    assert {
        "concerns:add_action",
        "concerns:complete_action",
        "api-actions",
        "transfers:accept",
        "transfers:reject",
    } <= OPEN_ROUTES
    assert "transfers:send" not in OPEN_ROUTES


def test_other_writes_are_refused_with_the_reason_and_change_nothing(abbey, people, overdue):
    client = signed_in(abbey, people["dsl"])

    page = client.post(
        "/settings/categories/", {"command": "add", "name": "Gangs", "standard": "exploitation"}
    )
    api = client.post(
        "/settings/categories/",
        {"command": "add", "name": "Gangs", "standard": "exploitation"},
        HTTP_ACCEPT="application/json",
    )

    assert page.status_code == 403
    assert "read-only because an invoice is overdue; you can still record a concern" in (
        page.content.decode()
    )
    assert (api.status_code, api.json()) == (403, {"detail": MESSAGE})
    with abbey:
        assert not Category.objects.filter(name="Gangs").exists()


def test_reading_is_never_blocked(abbey, people, overdue):
    client = signed_in(abbey, people["dsl"])
    for page in ["/", "/pupils/", f"/pupils/{people['pupil'].pk}/", "/settings/categories/"]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "read-only because an invoice is overdue" in response.content.decode()
    assert client.post("/pupils/", {"q": "x"}).status_code == 200  # the search posts


def test_signing_in_and_out_still_work(abbey, people, overdue):
    client = Client(HTTP_HOST="abbey.localhost")
    response = client.post(
        "/accounts/login/", {"username": "teacher@abbey.example", "password": "wrong"}
    )
    assert response.status_code == 200  # the sign-in form again, with its error: not refused
    signed = signed_in(abbey, people["teacher"])
    assert signed.post("/accounts/logout/").status_code == 302


def test_after_payment_other_writes_work_again(abbey, people, overdue):
    client = signed_in(abbey, people["dsl"])
    record_payment(
        invoice_number=overdue.number, amount=Decimal("120.00"),
        received_on=datetime.date.today(), by=OPS,
    )  # fmt: skip

    response = client.post(
        "/settings/categories/", {"command": "add", "name": "Gangs", "standard": "exploitation"}
    )

    assert response.status_code in (200, 302), response.content.decode()[:500]
    assert "read-only" not in client.get("/").content.decode()
    with abbey:
        assert Category.objects.filter(name="Gangs").exists()


def test_a_school_with_full_access_shows_no_banner(abbey, people, trust_invoice):
    page = signed_in(abbey, people["teacher"]).get("/").content.decode()
    assert "read-only because an invoice is overdue" not in page
