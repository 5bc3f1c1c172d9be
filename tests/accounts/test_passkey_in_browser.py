"""In a real browser: a DSL adds a security key from "Elevate my access", signs in again
with a password, elevates with the key and reads a pupil's file. Debian's Chromium with a
virtual authenticator (Chrome DevTools Protocol), against gunicorn over real HTTP; the
school's address is `*.localhost`, which Chromium counts as a secure context."""

from __future__ import annotations

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from tests.browser import chromium_browser, committed_school, served
from tests.factories import PASSWORD, GroupFactory, PupilFactory, StaffFactory

SLUG = "passkey-test"
DSL = "dsl@pk.example"

# The test reads the database only through the server, but pytest-django must create it.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def key_school(django_db_setup, django_db_blocker):
    def fill(made):
        form = GroupFactory(name="9Q", kind="form")
        StaffFactory(email=DSL, full_name="Dana Lead", role="Safeguarding team")
        return PupilFactory(legal_first_name="Zainab", legal_last_name="Quill", form=form).pk

    with committed_school(django_db_blocker, slug=SLUG, name="Passkey Test Academy", fill=fill) as (
        made,
        pupil,
    ):
        yield {"school": made, "pupil": pupil}


@pytest.fixture(scope="module")
def key_server(key_school):
    with served(SLUG) as address:
        yield address


def test_a_dsl_adds_a_security_key_and_elevates_with_it_to_read_a_pupils_file(
    key_server, key_school
):
    pupil_page = f"/pupils/{key_school['pupil']}/"
    with chromium_browser() as browser:
        context = browser.new_context()
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]

        # First sign-in: no factor yet, so "Elevate my access" offers to add one.
        _sign_in(page, key_server)
        expect(page.get_by_role("heading", name="Elevate my access")).to_be_visible()
        page.get_by_role("link", name="Add a security key or passkey").click()
        expect(page.get_by_text("JavaScript is turned off")).to_be_hidden()
        page.get_by_label("A name for this key").fill("Work laptop")
        page.get_by_role("button", name="Add the key").click()
        expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
        expect(
            page.get_by_text("Work laptop is set up, and this session is verified.")
        ).to_be_visible()
        page.get_by_role("link", name="I have kept them").click()
        row = page.get_by_role("row", name="Work laptop")
        expect(row.get_by_role("cell", name="Security key or passkey")).to_be_visible()
        stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(stored["credentials"]) == 1
        assert stored["credentials"][0]["rpId"] == f"{SLUG}.localhost"

        # A new session with the password alone: held at write-only until the key answers.
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_label("Email address")).to_be_visible()
        _sign_in(page, key_server)
        expect(page.get_by_role("heading", name="Elevate my access")).to_be_visible()
        assert page.goto(key_server + pupil_page).status == 404
        page.goto(f"{key_server}/accounts/elevate/?next={pupil_page}")
        page.get_by_role("button", name="Use my security key").click()
        expect(page.get_by_role("heading", name="Zainab Quill")).to_be_visible()
        assert page.url == key_server + pupil_page
        expect(page.get_by_text("Your access is elevated for this session.")).to_be_visible()
        expect(page.get_by_role("heading", name="Chronology")).to_be_visible()
        context.close()
    # Only the 404 above may show in the console: no CSP violation, no script error.
    assert [p for p in problems if "404" not in p] == [], problems
    with key_school["school"]:  # the key is kept in the school's own schema, named
        assert list(WebAuthnCredential.objects.values_list("name", flat=True)) == ["Work laptop"]
    assert not WebAuthnCredential.objects.exists(), "and nothing in the platform's"


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(DSL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
