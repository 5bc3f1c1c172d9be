"""Security keys and passkeys as a second factor: registering one from the second factors
page, elevating with it, removing it, and each school's host as its own relying party."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import factors, passkeys
from tests.accounts.soft_key import SoftKey
from tests.accounts.test_step_up import sign_in
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in

ABBEY = "http://abbey.localhost"
REGISTER_START = "/accounts/factors/keys/new/start/"
REGISTER_FINISH = "/accounts/factors/keys/new/finish/"
VERIFY_START = "/accounts/elevate/key/start/"
VERIFY_FINISH = "/accounts/elevate/key/finish/"
ENDPOINTS = [REGISTER_START, REGISTER_FINISH, VERIFY_START, VERIFY_FINISH]


def post_json(client: Client, url: str, data: object = None):
    return client.post(url, json.dumps(data if data is not None else {}), "application/json")


def password_only(school, email: str) -> Client:
    client = Client(HTTP_HOST=f"{school.slug}.localhost")
    sign_in(client, email)
    return client


def key_of(user, soft: SoftKey, *, name: str = "Blue key") -> WebAuthnCredential:
    """A key registered earlier, in the school schema the caller has entered."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        credential_id=soft.credential_id,
        public_key=soft.public_key,
        sign_count=soft.sign_count,
        aaguid="00000000-0000-0000-0000-000000000000",
        transports=["usb"],
    )


@pytest.fixture
def changes():
    """Every factor_changed signal sent during the test, as (change, device name)."""
    seen: list[tuple[str, str]] = []

    def receiver(sender, *, change, device, **kwargs):
        seen.append((change, device.name))

    factors.factor_changed.connect(receiver)
    yield seen
    factors.factor_changed.disconnect(receiver)


@pytest.fixture
def slt(abbey):
    with abbey:
        form = GroupFactory(name="10K", kind="form")
        user = StaffFactory(email="slt@abbey.example", role="SLT", groups=[form])
        user.pupil = PupilFactory(legal_first_name="Mina", legal_last_name="Farrow", form=form)
    return user


def test_registration_names_this_school_and_its_own_address_as_the_relying_party(abbey, slt):
    client = password_only(abbey, "slt@abbey.example")
    response = post_json(client, REGISTER_START, {"name": "Blue key"})
    assert response.status_code == 200
    options = response.json()
    assert options["rp"] == {"id": "abbey.localhost", "name": "Abbey Community College"}
    assert options["user"]["name"] == "slt@abbey.example"
    assert options["excludeCredentials"] == []
    assert options["authenticatorSelection"]["residentKey"] == "preferred", "never passwordless"


def test_a_first_key_is_registered_named_and_verifies_the_session(abbey, slt, changes):
    client = password_only(abbey, "slt@abbey.example")
    before = client.cookies["haven_session"].value
    soft = SoftKey()
    options = post_json(client, REGISTER_START, {"name": "  Blue   key "}).json()
    done = post_json(client, REGISTER_FINISH, soft.register(options, origin=ABBEY))
    assert done.status_code == 200, done.content
    assert done.json()["redirect_url"] == "/accounts/factors/backup-codes/new/"
    assert client.cookies["haven_session"].value != before, "verification rotates the session id"
    with abbey:
        key = WebAuthnCredential.objects.get(user=slt)
        assert key.name == "Blue key" and key.confirmed
        assert StaticDevice.objects.filter(user=slt).exists(), "a first key comes with codes"
    assert changes == [("added", "Blue key")]
    codes = client.get(done.json()["redirect_url"]).content.decode()
    assert codes.count("<li><code>") == 10
    assert client.get("/accounts/factors/backup-codes/new/").status_code == 302, "shown once"
    listing = client.get("/accounts/factors/").content.decode()
    assert "Blue key" in listing and "Security key or passkey" in listing
    assert f"/accounts/factors/key/{key.pk}/remove/" in listing
    assert client.get(f"/pupils/{slt.pupil.pk}/").status_code == 200


def test_a_key_needs_a_name_before_the_browser_is_asked(abbey, slt):
    client = password_only(abbey, "slt@abbey.example")
    response = post_json(client, REGISTER_START, {"name": "   "})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Give the device a name, such as 'My security key'.",
        "code": "name",
    }
    assert "otp_webauthn_register_state" not in client.session


def test_a_password_alone_cannot_add_a_key_once_there_is_a_factor(abbey, slt):
    """Otherwise a stolen password would enrol the thief's key and elevate with it."""
    with abbey:
        TOTPDevice.objects.create(user=slt, name="Own phone")
    client = password_only(abbey, "slt@abbey.example")
    page = client.get("/accounts/factors/keys/new/")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/accounts/elevate/")
    response = post_json(client, REGISTER_START, {"name": "Thief's key"})
    assert response.status_code == 403
    assert "Verify this session with your second factor first" in response.json()["detail"]
    assert post_json(client, REGISTER_FINISH, {}).status_code == 403
    with abbey:
        assert not WebAuthnCredential.objects.exists()


def test_a_verified_session_adds_a_second_key_and_the_first_is_excluded(abbey, slt, changes):
    first = SoftKey()
    with abbey:
        key_of(slt, first)
    client = signed_in(abbey, slt)
    options = post_json(client, REGISTER_START, {"name": "Spare key"}).json()
    assert [c["id"] for c in options["excludeCredentials"]] == [first.id]
    done = post_json(client, REGISTER_FINISH, SoftKey().register(options, origin=ABBEY))
    assert done.json()["redirect_url"] == "/accounts/factors/"
    with abbey:
        assert WebAuthnCredential.objects.filter(user=slt).count() == 2
        assert not StaticDevice.objects.filter(user=slt).exists(), "codes only with the first"
    assert changes == [("added", "Spare key")]


def test_a_key_alone_is_a_factor_so_a_password_cannot_add_an_authenticator_app(abbey, slt):
    with abbey:
        key_of(slt, SoftKey())
    client = password_only(abbey, "slt@abbey.example")
    response = client.post("/accounts/factors/new/", {"step": "start", "name": "Thief"})
    assert response.headers["Location"].startswith("/accounts/elevate/")
    with abbey:
        assert not TOTPDevice.objects.exists()


def test_an_answer_naming_a_key_already_kept_here_is_refused(abbey, slt):
    """With "none" attestation anyone can claim any credential id; keys stay unique."""
    theirs = SoftKey()
    with abbey:
        kept = key_of(StaffFactory(email="other@abbey.example", role="SLT"), theirs)
    client = password_only(abbey, "slt@abbey.example")
    options = post_json(client, REGISTER_START, {"name": "Copy"}).json()
    forged = SoftKey(credential_id=theirs.credential_id)
    response = post_json(client, REGISTER_FINISH, forged.register(options, origin=ABBEY))
    assert response.status_code == 400
    assert response.json()["detail"] == "That security key is already set up here."
    with abbey:
        assert list(WebAuthnCredential.objects.all()) == [kept]
        assert not StaticDevice.objects.exists()
    assert "Elevate my access" in client.get("/").content.decode()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_nobody_signed_out_reaches_a_key_endpoint(abbey, slt, url):
    client = Client(HTTP_HOST="abbey.localhost")
    response = post_json(client, url, {"name": "Key"})
    assert response.status_code == 403
    assert response.json()["detail"] == "You are signed out. Sign in again, then try once more."
    assert not client.session.keys()


def test_the_key_endpoints_need_the_pages_csrf_token(abbey, slt):
    client = signed_in(abbey, slt, enforce_csrf_checks=True)
    assert post_json(client, REGISTER_START, {"name": "Key"}).status_code == 403
    assert post_json(client, VERIFY_START).status_code == 403


def test_elevation_offers_only_the_persons_own_keys_for_this_address(abbey, slt):
    own, theirs = SoftKey(), SoftKey()
    with abbey:
        key_of(slt, own)
        key_of(StaffFactory(email="other@abbey.example", role="SLT"), theirs)
    client = password_only(abbey, "slt@abbey.example")
    options = post_json(client, VERIFY_START).json()
    assert options["rpId"] == "abbey.localhost"
    assert [c["id"] for c in options["allowCredentials"]] == [own.id]


def test_elevation_with_a_key_is_refused_to_someone_without_one(abbey, slt):
    with abbey:
        TOTPDevice.objects.create(user=slt, name="Own phone")
    client = password_only(abbey, "slt@abbey.example")
    response = post_json(client, VERIFY_START)
    assert response.status_code == 400
    assert "You have no security key set up here" in response.json()["detail"]


def test_slt_elevates_with_a_key_and_then_reads_what_the_role_allows(abbey, slt, changes):
    soft = SoftKey()
    with abbey:
        key_of(slt, soft)
    client = password_only(abbey, "slt@abbey.example")
    elevate = client.get("/accounts/elevate/?next=/").content.decode()
    assert "Use my security key" in elevate and "accounts/passkeys.js" in elevate
    assert client.get(f"/pupils/{slt.pupil.pk}/").status_code == 404
    before = client.cookies["haven_session"].value
    options = post_json(client, VERIFY_START).json()
    answer = soft.sign(options, origin=ABBEY)
    done = post_json(client, f"{VERIFY_FINISH}?next=/pupils/{slt.pupil.pk}/", answer)
    assert done.status_code == 200, done.content
    assert done.json()["redirect_url"] == f"/pupils/{slt.pupil.pk}/"
    assert client.cookies["haven_session"].value != before, "verification rotates the session id"
    assert client.get(f"/pupils/{slt.pupil.pk}/").status_code == 200
    assert changes == [("verified", "Blue key")]
    with abbey:
        assert WebAuthnCredential.objects.get(user=slt).sign_count == 1


def test_an_answer_is_accepted_once(abbey, slt):
    soft = SoftKey()
    with abbey:
        key_of(slt, soft)
    first = password_only(abbey, "slt@abbey.example")
    answer = soft.sign(post_json(first, VERIFY_START).json(), origin=ABBEY)
    assert post_json(first, VERIFY_FINISH, answer).status_code == 200
    second = password_only(abbey, "slt@abbey.example")
    post_json(second, VERIFY_START)
    replay = post_json(second, VERIFY_FINISH, answer)
    assert replay.status_code == 422, "the challenge was this session's, not the first's"
    assert post_json(second, VERIFY_FINISH, answer).status_code == 400, "and is gone now"
    assert second.get(f"/pupils/{slt.pupil.pk}/").status_code == 404


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_elevation_with_a_key_never_redirects_off_the_school(abbey, slt, next_url):
    soft = SoftKey()
    with abbey:
        key_of(slt, soft)
    client = password_only(abbey, "slt@abbey.example")
    answer = soft.sign(post_json(client, VERIFY_START).json(), origin=ABBEY)
    done = client.post(
        VERIFY_FINISH, json.dumps(answer), "application/json", QUERY_STRING=f"next={next_url}"
    )
    assert done.json()["redirect_url"] == "/"


def test_someone_elses_key_does_not_elevate_this_session(abbey, slt):
    theirs = SoftKey()
    with abbey:
        key_of(slt, SoftKey())
        key_of(StaffFactory(email="other@abbey.example", role="SLT"), theirs)
    client = password_only(abbey, "slt@abbey.example")
    answer = theirs.sign(post_json(client, VERIFY_START).json(), origin=ABBEY)
    response = post_json(client, VERIFY_FINISH, answer)
    assert response.status_code == 403
    assert "not set up for you at this school" in response.json()["detail"]
    assert client.get(f"/pupils/{slt.pupil.pk}/").status_code == 404


def test_a_key_made_on_abbey_does_nothing_on_westleigh(abbey, westleigh, slt):
    """Westleigh keeps its own keys in its own schema: the same person, with the same key,
    is a stranger there."""
    soft = SoftKey()
    client = password_only(abbey, "slt@abbey.example")
    options = post_json(client, REGISTER_START, {"name": "Blue key"}).json()
    assert (
        post_json(client, REGISTER_FINISH, soft.register(options, origin=ABBEY)).status_code == 200
    )
    with westleigh:
        there = StaffFactory(email="slt@abbey.example", role="SLT")
        key_of(there, SoftKey())
    westleigh_client = password_only(westleigh, "slt@abbey.example")
    options = post_json(westleigh_client, VERIFY_START).json()
    assert options["rpId"] == "westleigh.localhost"
    answer = soft.sign(options, origin="http://westleigh.localhost")
    response = post_json(westleigh_client, VERIFY_FINISH, answer)
    assert response.status_code == 404
    assert "not set up for you at this school" in response.json()["detail"]


@pytest.mark.parametrize(
    ("origin", "rp_id"),
    [
        ("http://abbey.localhost", None),  # signed on abbey's page, relayed to westleigh
        ("http://localhost", None),  # the platform's page
        ("http://westleigh.localhost:8443", None),  # another port is another origin
        ("http://westleigh.localhost", "abbey.localhost"),  # made for abbey's address
        ("http://westleigh.localhost", "localhost"),  # or for the platform's
    ],
)
def test_only_this_hosts_own_origin_and_address_are_accepted(westleigh, origin, rp_id):
    soft = SoftKey()
    with westleigh:
        key_of(StaffFactory(email="dsl2@westleigh.example", role="Safeguarding team"), soft)
    client = password_only(westleigh, "dsl2@westleigh.example")
    answer = soft.sign(post_json(client, VERIFY_START).json(), origin=origin, rp_id=rp_id)
    response = post_json(client, VERIFY_FINISH, answer)
    assert response.status_code == 422
    assert "could not be checked" in response.json()["detail"]
    assert "Elevate my access" in client.get("/").content.decode()


@pytest.mark.parametrize(
    "body",
    ["[]", "{}", '"x"', "{not json", '{"id": 1, "response": []}', '{"clientExtensionResults": 5}'],
)
@pytest.mark.parametrize("url", [REGISTER_FINISH, VERIFY_FINISH])
def test_a_malformed_answer_is_refused_clearly(abbey, slt, url, body):
    soft = SoftKey()
    with abbey:
        key_of(slt, soft)
    client = signed_in(abbey, slt)
    post_json(client, REGISTER_START if url == REGISTER_FINISH else VERIFY_START, {"name": "K"})
    response = client.post(url, body, "application/json")
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    with abbey:
        assert WebAuthnCredential.objects.filter(user=slt).count() == 1


def test_a_verified_session_removes_its_own_key(abbey, slt, changes):
    with abbey:
        key = key_of(slt, SoftKey())
        StaticDevice.objects.create(user=slt, name="Backup codes")
    client = signed_in(abbey, slt)
    assert (
        "Remove Blue key?" in client.get(f"/accounts/factors/key/{key.pk}/remove/").content.decode()
    )
    assert client.post(f"/accounts/factors/key/{key.pk}/remove/").status_code == 302
    with abbey:
        assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
        assert StaticDevice.objects.filter(user=slt).exists(), "the authenticator app remains"
    assert ("removed", "Blue key") in changes


def test_removing_the_last_key_takes_the_backup_codes_too(abbey, slt):
    with abbey:
        key = key_of(slt, SoftKey())
        StaticDevice.objects.create(user=slt, name="Backup codes")
    client = password_only(abbey, "slt@abbey.example")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = key.persistent_id
    session.save()
    assert client.post(f"/accounts/factors/key/{key.pk}/remove/").status_code == 302
    with abbey:
        assert not WebAuthnCredential.objects.filter(user=slt).exists()
        assert not StaticDevice.objects.filter(user=slt).exists()


def test_a_password_only_session_cannot_remove_a_key(abbey, slt):
    with abbey:
        key = key_of(slt, SoftKey())
    client = password_only(abbey, "slt@abbey.example")
    response = client.post(f"/accounts/factors/key/{key.pk}/remove/")
    assert response.headers["Location"].startswith("/accounts/elevate/")
    with abbey:
        assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_nobody_removes_anothers_key_through_their_own_page(abbey, slt):
    with abbey:
        theirs = key_of(StaffFactory(email="other@abbey.example", role="SLT"), SoftKey())
    client = signed_in(abbey, slt)
    assert client.post(f"/accounts/factors/key/{theirs.pk}/remove/").status_code == 404
    with abbey:
        assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()


def test_the_add_key_page_works_with_a_keyboard_and_says_what_it_needs(abbey, slt):
    page = password_only(abbey, "slt@abbey.example").get("/accounts/factors/keys/new/")
    html = page.content.decode()
    assert '<label for="name">A name for this key</label>' in html
    assert 'role="alert"' in html and 'role="status"' in html
    assert "<script>" not in html and "style=" not in html
    assert "JavaScript is turned off" in html


@pytest.mark.parametrize(
    ("host", "secure", "origin"),
    [
        ("abbey.localhost:8000", False, "http://abbey.localhost:8000"),
        ("abbey.haven.example", True, "https://abbey.haven.example"),
        ("abbey.haven.example:443", True, "https://abbey.haven.example"),
        ("abbey.haven.example:8443", True, "https://abbey.haven.example:8443"),
    ],
)
@override_settings(ALLOWED_HOSTS=[".localhost", ".haven.example"])
def test_the_relying_party_is_the_requests_own_host(host, secure, origin):
    request = RequestFactory().get("/", HTTP_HOST=host, secure=secure)
    assert passkeys.relying_party_id(request) == host.split(":")[0]
    assert passkeys.own_origin(request) == origin
    assert passkeys.HostHelper(request).get_allowed_origins() == [origin]
    assert passkeys.relying_party_name(request) == "Haven", "the platform host is Haven"
