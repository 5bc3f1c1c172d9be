"""Adding, using and removing second factors: authenticator apps and backup codes."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.test_step_up import code_for, sign_in
from tests.factories import StaffFactory
from tests.sessions import signed_in


def _start(client: Client, name: str = "My phone") -> tuple[int, str]:
    page = client.post("/accounts/factors/new/", {"step": "start", "name": name}).content.decode()
    return int(re.search(r'name="device" value="(\d+)"', page).group(1)), page


def test_a_first_authenticator_is_added_with_a_qr_code_confirmed_by_a_code(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    device_id, page = _start(client)
    assert 'src="data:image/svg+xml;base64,' in page
    assert 'autocomplete="one-time-code"' in page
    with abbey:
        device = TOTPDevice.objects.get(pk=device_id)
        assert not device.confirmed and device.name == "My phone"
        code = code_for(device)
    done = client.post(
        "/accounts/factors/new/", {"step": "confirm", "device": device_id, "code": code}
    )
    codes = re.findall(r"<li><code>([a-z0-9]{8})</code></li>", done.content.decode())
    assert len(codes) == 10, "the first authenticator comes with backup codes, shown once"
    with abbey:
        assert TOTPDevice.objects.get(pk=device_id).confirmed
        assert StaticToken.objects.filter(device__user=slt).count() == 10
    assert "Elevate my access" not in client.get("/").content.decode(), "and it verifies"


def test_a_wrong_confirmation_code_leaves_the_device_unconfirmed(abbey):
    with abbey:
        StaffFactory(email="slt@abbey.example", role="SLT")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    device_id, _ = _start(client)
    page = client.post(
        "/accounts/factors/new/", {"step": "confirm", "device": device_id, "code": "000000"}
    )
    assert "did not work" in page.content.decode()
    with abbey:
        assert not TOTPDevice.objects.get(pk=device_id).confirmed
    assert "Elevate my access" in client.get("/").content.decode()


def test_a_device_needs_a_name(abbey):
    with abbey:
        StaffFactory(email="slt@abbey.example", role="SLT")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    page = client.post("/accounts/factors/new/", {"step": "start", "name": "   "}).content.decode()
    assert "Give the device a name" in page
    with abbey:
        assert not TOTPDevice.objects.exists()


def test_a_password_alone_cannot_add_a_second_authenticator(abbey):
    """Otherwise a stolen password would enrol the thief's phone and elevate with it."""
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
        TOTPDevice.objects.create(user=slt, name="Own phone")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    response = client.post("/accounts/factors/new/", {"step": "start", "name": "Thief"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/elevate/")
    with abbey:
        assert list(TOTPDevice.objects.values_list("name", flat=True)) == ["Own phone"]


def test_a_backup_code_elevates_once(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
        TOTPDevice.objects.create(user=slt, name="Phone")
        device = StaticDevice.objects.create(user=slt, name="Backup codes")
        device.token_set.create(token="abcd2345")
    first = Client(HTTP_HOST="abbey.localhost")
    sign_in(first, "slt@abbey.example")
    assert first.post("/accounts/elevate/", {"code": "ABCD 2345"}).status_code == 302
    assert "Elevate my access" not in first.get("/").content.decode()
    second = Client(HTTP_HOST="abbey.localhost")
    sign_in(second, "slt@abbey.example")
    assert second.post("/accounts/elevate/", {"code": "abcd2345"}).status_code == 400


def test_removing_the_last_authenticator_takes_the_backup_codes_too(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
    client = signed_in(abbey, slt)
    with abbey:
        device = TOTPDevice.objects.get(user=slt)
        StaticDevice.objects.create(user=slt, name="Backup codes")
    confirm = client.get(f"/accounts/factors/app/{device.pk}/remove/")
    assert "Remove Test phone?" in confirm.content.decode()
    with abbey:
        assert TOTPDevice.objects.filter(user=slt).exists(), "asking is not removing"
    assert client.post(f"/accounts/factors/app/{device.pk}/remove/").status_code == 302
    with abbey:
        assert not TOTPDevice.objects.filter(user=slt).exists()
        assert not StaticDevice.objects.filter(user=slt).exists()


def test_nobody_removes_anothers_device_through_their_own_page(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
        other = StaffFactory(email="other@abbey.example", role="SLT")
        theirs = TOTPDevice.objects.create(user=other, name="Theirs")
    client = signed_in(abbey, slt)
    assert client.post(f"/accounts/factors/app/{theirs.pk}/remove/").status_code == 404
    assert client.post("/accounts/factors/sms/1/remove/").status_code == 404
    with abbey:
        assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_the_factor_list_names_each_device_and_no_email_carries_a_secret(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
    page = signed_in(abbey, slt).get("/accounts/factors/").content.decode()
    assert "Test phone" in page and "Authenticator app" in page
    assert not [m for m in mail.outbox if "otpauth" in m.body]


def test_the_owner_is_emailed_when_a_factor_is_added(abbey, django_capture_on_commit_callbacks):
    with abbey:
        StaffFactory(email="slt@abbey.example", role="SLT")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    device_id, _ = _start(client, "Work phone")
    with abbey:
        code = code_for(TOTPDevice.objects.get(pk=device_id))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/factors/new/", {"step": "confirm", "device": device_id, "code": code}
        )
    (message,) = mail.outbox
    assert message.to == ["slt@abbey.example"]
    assert '"Work phone"' in message.body and "Abbey Community College" in message.body
    assert "otpauth" not in message.body


def test_confirming_twice_says_so_instead_of_failing(abbey):
    with abbey:
        StaffFactory(email="slt@abbey.example", role="SLT")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    device_id, _ = _start(client)
    with abbey:
        code = code_for(TOTPDevice.objects.get(pk=device_id))
    form = {"step": "confirm", "device": device_id, "code": code}
    client.post("/accounts/factors/new/", form)
    again = client.post("/accounts/factors/new/", form)
    assert again.status_code == 200
    assert "expired" in again.content.decode() or "already set up" in again.content.decode()


def test_new_backup_codes_keep_a_session_verified_with_a_backup_code(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
        TOTPDevice.objects.create(user=slt, name="Phone")
        device = StaticDevice.objects.create(user=slt, name="Backup codes")
        device.token_set.create(token="abcd2345")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    client.post("/accounts/elevate/", {"code": "abcd2345"})
    codes = client.post("/accounts/factors/backup-codes/").content.decode()
    assert codes.count("<li><code>") == 10
    assert "Elevate my access" not in client.get("/").content.decode()


def test_a_device_name_with_control_characters_is_tidied(abbey):
    with abbey:
        StaffFactory(email="slt@abbey.example", role="SLT")
    client = Client(HTTP_HOST="abbey.localhost")
    sign_in(client, "slt@abbey.example")
    device_id, _ = _start(client, "My\x00 phone\x07")
    with abbey:
        assert TOTPDevice.objects.get(pk=device_id).name == "My phone"
