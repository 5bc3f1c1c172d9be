"""In a real browser: a teacher records an incident with a body-map mark and a file, and a
DSL finds it in the pupil's chronology. Debian's Chromium, driven by Playwright, against
gunicorn serving the test database over real HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import samples
from tests.accounts.test_step_up import code_for
from tests.browser import chromium_browser, committed_school, served
from tests.factories import PASSWORD, GroupFactory, PupilFactory, StaffFactory

SLUG = "browser-test"

# The test itself reads nothing, but says it uses the database so that pytest-django
# creates the test database even when this module runs alone.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def school(django_db_setup, django_db_blocker):
    def fill(made):
        form = GroupFactory(name="10K", kind="form")
        StaffFactory(email="teacher@bt.example", full_name="Tom Teacher", groups=[form])
        dsl = StaffFactory(email="dsl@bt.example", full_name="Dana Lead", role="Safeguarding team")
        TOTPDevice.objects.create(user=dsl, name="Dana's phone")
        PupilFactory(legal_first_name="Zainab", legal_last_name="Quill", form=form)

    with committed_school(django_db_blocker, slug=SLUG, name="Browser Test Academy", fill=fill) as (
        made,
        _,
    ):
        yield made


@pytest.fixture(scope="module")
def server(school):
    with served(SLUG) as address:
        yield address


def _current_code(school, email: str) -> str:
    with school:
        return code_for(TOTPDevice.objects.get(user__email=email))


def _sign_in(browser, base: str, email: str, *, school=None):
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if school is not None:
        # The safeguarding team elevates with the authenticator app on their phone.
        expect(page.get_by_role("heading", name="Elevate my access")).to_be_visible()
        # The ORM refuses to run inside Playwright's event loop: read the device elsewhere.
        with ThreadPoolExecutor(1) as thread:
            code = thread.submit(_current_code, school, email).result()
        page.get_by_label("Code from your authenticator app").fill(code)
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    return page


def test_a_teacher_records_an_incident_and_the_dsl_finds_it_in_the_chronology(
    server, school, tmp_path
):
    evidence = tmp_path / "first aid form.pdf"
    evidence.write_bytes(samples.PDF)
    with chromium_browser() as browser:
        _teacher_records_and_dsl_finds(server, browser, evidence, school)


def _teacher_records_and_dsl_finds(server, browser, evidence, school) -> None:
    teacher = _sign_in(browser, server, "teacher@bt.example")
    urls: list[str] = []
    teacher.on("request", lambda request: urls.append(request.url))
    teacher.get_by_role("link", name="Add incident").first.click()
    expect(teacher.get_by_text("You cannot edit an incident once it is submitted.")).to_be_visible()
    teacher.get_by_label("Begin typing the pupil's name").fill("Zain")
    teacher.get_by_role("button", name="Zainab Quill · 10K").click()
    expect(teacher.locator("input[name=pupil]")).to_have_count(1)
    teacher.get_by_label("What happened").fill(
        "Zainab had a bruise on her upper arm and said her brother grabbed her."
    )
    teacher.get_by_label("Cause for Concern").check()
    teacher.locator("svg[data-side=front]").click(position={"x": 40, "y": 110})
    teacher.get_by_label("Mark 1 is").select_option("bruise")
    teacher.get_by_label("Note").fill("Upper left arm, about 4 cm")
    teacher.get_by_label("Files").set_input_files(str(evidence))
    teacher.get_by_role("button", name="Add incident").last.click()

    heading = teacher.get_by_role("heading", name="Incident")
    expect(heading).to_be_visible()
    reference = teacher.locator(".reference").inner_text()
    assert reference.startswith("#")
    expect(teacher.get_by_text("Bruise (front): Upper left arm, about 4 cm")).to_be_visible()
    expect(teacher.get_by_role("link", name="first aid form.pdf")).to_be_visible()
    teacher.close()

    dsl = _sign_in(browser, server, "dsl@bt.example", school=school)
    dsl.on("request", lambda request: urls.append(request.url))
    dsl.get_by_role("link", name="Pupils").click()
    dsl.get_by_label("Find a pupil").fill("Quill")
    dsl.get_by_role("button", name="Find").click()
    dsl.get_by_role("link", name="Zainab Quill").click()
    chronology = dsl.locator("section", has=dsl.get_by_role("heading", name="Chronology"))
    expect(chronology.get_by_role("link", name=reference)).to_be_visible()
    expect(chronology.get_by_text("her brother grabbed her")).to_be_visible()
    dsl.close()
    assert any("/pick/pupils/" in url for url in urls)  # the type-ahead ran
    assert not [url for url in urls if "zain" in url.lower() or "quill" in url.lower()]
