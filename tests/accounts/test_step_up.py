"""A password alone lets a member of staff add incidents; anything above write-only for a
role that needs a second factor waits until this session verifies one (DESIGN section 5)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguarding.concerns.models import Category, Incident
from safeguarding.concerns.services import record_incident
from tests.factories import PASSWORD, GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in, verified_viewer


def code_for(device: TOTPDevice, *, steps_back: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time - steps_back * device.step
    return f"{totp.token():06d}"


def sign_in(client: Client, email: str) -> str:
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response.headers["Location"]


@pytest.fixture
def school(abbey):
    with abbey:
        form = GroupFactory(name="10K", kind="form")
        pupil = PupilFactory(legal_first_name="Mina", legal_last_name="Farrow", form=form)
        teacher = StaffFactory(email="t@abbey.example", groups=[form])
        slt = StaffFactory(email="slt@abbey.example", role="SLT", groups=[form])
        device = TOTPDevice.objects.create(user=slt, name="Phone")
        incident = record_incident(
            viewer=verified_viewer(teacher),
            pupil_id=pupil.pk,
            text="Mina was upset at lunch.",
            category_ids=[Category.objects.get(name="Cause for Concern").pk],
            occurred_at=timezone.now(),
        )
        yield {
            "teacher": teacher,
            "slt": slt,
            "pupil": pupil,
            "device": device,
            "incident": incident,
        }


def test_a_password_only_teacher_adds_an_incident_but_cannot_read_the_chronology(abbey, school):
    client = signed_in(abbey, school["teacher"], verified=False)
    with abbey:
        form = {
            "pupil": school["pupil"].pk,
            "text": "Mina said she had not eaten.",
            "categories": [Category.objects.get(name="Cause for Concern").pk],
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "status": "active",
            "submit": "1",
        }
    assert client.post("/incidents/new/", form).status_code == 302
    with abbey:
        assert Incident.objects.count() == 2
    assert client.get(f"/pupils/{school['pupil'].pk}/").status_code == 404
    assert client.get(f"/api/v1/pupils/{school['pupil'].pk}/chronology/").status_code == 404


def test_slt_signing_in_with_a_password_is_sent_to_elevate_and_held_at_write_only(abbey, school):
    client = Client(HTTP_HOST="abbey.localhost")
    assert sign_in(client, "slt@abbey.example") == "/accounts/elevate/?next=%2F"
    home = client.get("/").content.decode()
    assert "Elevate my access" in home
    assert client.get(f"/pupils/{school['pupil'].pk}/").status_code == 404
    assert client.get(f"/incidents/{school['incident'].pk}/").status_code == 404
    assert client.get(f"/api/v1/incidents/{school['incident'].pk}/").status_code == 404
    assert client.get("/incidents/new/").status_code == 200


def test_slt_elevates_with_a_code_and_then_reads_what_the_role_allows(abbey, school):
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    before = client.cookies["haven_session"].value
    with abbey:
        code = code_for(school["device"])
    response = client.post("/accounts/elevate/", {"code": code, "next": "/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.cookies["haven_session"].value != before, "verification rotates the session id"
    pupil_page = client.get(f"/pupils/{school['pupil'].pk}/")
    assert pupil_page.status_code == 200
    assert "Elevate my access" not in pupil_page.content.decode()
    assert client.get(f"/api/v1/incidents/{school['incident'].pk}/").status_code == 200


def test_a_code_is_accepted_once_and_a_stale_code_never(abbey, school):
    with abbey:
        code = code_for(school["device"])
        stale = code_for(school["device"], steps_back=5)
    first = Client(HTTP_HOST="abbey.localhost")
    sign_in(first, "slt@abbey.example")
    assert first.post("/accounts/elevate/", {"code": code}).status_code == 302
    second = Client(HTTP_HOST="abbey.localhost")
    sign_in(second, "slt@abbey.example")
    replay = second.post("/accounts/elevate/", {"code": code})
    assert replay.status_code == 400
    assert "did not work" in replay.content.decode()
    assert second.post("/accounts/elevate/", {"code": stale}).status_code == 400
    assert second.get(f"/pupils/{school['pupil'].pk}/").status_code == 404


def test_guessing_is_throttled_so_even_the_right_code_waits_after_wrong_ones(abbey, school):
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    assert client.post("/accounts/elevate/", {"code": "000000"}).status_code == 400
    with abbey:
        right = code_for(school["device"])
    response = client.post("/accounts/elevate/", {"code": right})
    assert response.status_code == 400
    assert "wait a few seconds" in response.content.decode()
    with abbey:
        school["device"].refresh_from_db()
        assert school["device"].throttling_failure_count == 1


@pytest.mark.parametrize(
    "junk", ["", "12345", "1234567", "abc", "\uff11\uff12\uff13\uff14\uff15\uff16", "x" * 500]
)
def test_a_malformed_code_is_refused_clearly(abbey, school, junk):
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    response = client.post("/accounts/elevate/", {"code": junk})
    assert response.status_code == 400
    assert "Enter the 6-digit code" in response.content.decode()
    with abbey:
        school["device"].refresh_from_db()
        assert school["device"].throttling_failure_count == 0


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/x"]
)
def test_elevation_never_redirects_off_the_school(abbey, school, target):
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    with abbey:
        code = code_for(school["device"])
    response = client.post("/accounts/elevate/", {"code": code, "next": target})
    assert response.headers["Location"] == "/"


def test_sign_in_never_redirects_off_the_school(abbey, school):
    client = Client(HTTP_HOST="abbey.localhost")
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "t@abbey.example", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/"


def test_a_role_without_the_flag_is_never_held(abbey, school):
    with abbey:
        from safeguarding.access.models import Role

        Role.objects.filter(name="SLT").update(requires_2fa=False)
    client = signed_in(abbey, school["slt"], verified=False)
    assert client.get(f"/pupils/{school['pupil'].pk}/").status_code == 200


def _read_routes(school) -> list[str]:
    incident, pupil = school["incident"], school["pupil"]
    return [
        f"/pupils/{pupil.pk}/",
        f"/incidents/{incident.pk}/",
        f"/api/v1/pupils/{pupil.pk}/",
        f"/api/v1/pupils/{pupil.pk}/chronology/",
        f"/api/v1/incidents/{incident.pk}/",
        f"/api/v1/incidents/{incident.pk}/actions/",
    ]


def test_a_password_only_dsl_reads_nothing_a_verified_one_reads(abbey, school):
    """Every page and API route that reads a record: 404 until the session is verified."""
    with abbey:
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
    held, verified = signed_in(abbey, dsl, verified=False), signed_in(abbey, dsl)
    for route in _read_routes(school):
        assert verified.get(route).status_code == 200, route
        assert held.get(route).status_code == 404, route
    for route in ("/settings/categories/", "/settings/staff/", "/settings/security/"):
        assert verified.get(route).status_code == 200, route
        assert held.get(route).status_code == 404, route
    assert held.get("/incidents/new/").status_code == 200
    change = held.post(
        f"/incidents/{school['incident'].pk}/change/",
        {"change": "status", "status": "closed", "reason": "Resolved"},
    )
    assert change.status_code == 404
    with abbey:
        assert Incident.objects.get(pk=school["incident"].pk).status == "active"
    verified.post(
        f"/incidents/{school['incident'].pk}/change/",
        {"change": "status", "status": "closed", "reason": "Resolved"},
    )
    with abbey:
        assert Incident.objects.get(pk=school["incident"].pk).status == "closed"
