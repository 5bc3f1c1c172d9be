"""The safeguarding team's Settings page for the school's training copy: /settings/training/."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from safeguarding.audit.models import AuditEvent
from tenants.models import School
from tenants.training import create_training_school
from tests.factories import StaffFactory
from tests.tenants.test_training_school import registry_state

PAGE = "/settings/training/"


def signed_in(school: School, user: User) -> Client:
    """A session that has verified a second factor, as the safeguarding team's must."""
    client = Client(HTTP_HOST=f"{school.slug}.localhost")
    with school:
        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="Test phone")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def staff(abbey):
    with abbey:
        return {
            "dsl": StaffFactory(email="lead@abbey.example", role="Safeguarding team"),
            "slt": StaffFactory(email="deputy@abbey.example", role="SLT"),
            "teacher": StaffFactory(email="teacher@abbey.example"),
        }


@pytest.mark.parametrize("who", ["teacher", "slt"])
def test_the_page_is_not_found_for_anyone_but_the_safeguarding_team(abbey, staff, who):
    client = signed_in(abbey, staff[who])
    assert client.get(PAGE).status_code == 404
    before = registry_state()
    assert client.post(PAGE, {"command": "create", "confirm": "yes"}).status_code == 404
    assert registry_state() == before


def test_signed_out_visitors_are_sent_to_sign_in(abbey):
    response = Client(HTTP_HOST="abbey.localhost").get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_dsl_is_offered_a_training_copy(abbey, staff):
    html = signed_in(abbey, staff["dsl"]).get(PAGE).content.decode()
    assert "Create training copy" in html
    assert 'name="confirm"' in html
    assert "Reset training copy" not in html


def test_creating_without_confirming_changes_nothing(abbey, staff, quick):
    before = registry_state()
    response = signed_in(abbey, staff["dsl"]).post(PAGE, {"command": "create"})
    assert response.status_code == 400
    assert "Tick the box to confirm. Nothing was changed." in response.content.decode()
    assert registry_state() == before


def test_a_dsl_creates_a_copy_and_sees_the_logins_and_password_once(abbey, staff, quick):
    client = signed_in(abbey, staff["dsl"])
    response = client.post(PAGE, {"command": "create", "confirm": "yes"})
    html = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "http://abbey-training.localhost:8000/" in html
    copy = School.objects.get(slug="abbey-training")
    assert copy.training_of == abbey
    password = re.search(r'class="training-password">([^<]+)<', html).group(1)
    with copy:
        for email in ("dsl@training.example", "teacher@training.example"):
            assert email in html
            assert User.objects.get(email=email).check_password(password)
    # Shown once: the page afterwards has the link, never the password.
    later = client.get(PAGE).content.decode()
    assert "http://abbey-training.localhost:8000/" in later
    assert "Reset training copy" in later
    assert password not in later
    with abbey:
        made = AuditEvent.objects.get(action="training_school_created")
        assert made.actor_id == staff["dsl"].pk and password not in made.detail


def test_a_second_create_is_refused_and_says_where_the_copy_is(abbey, staff, quick):
    create_training_school(abbey)
    before = registry_state()
    response = signed_in(abbey, staff["dsl"]).post(PAGE, {"command": "create", "confirm": "yes"})
    assert response.status_code == 400
    assert "already has a training copy at http://abbey-training.localhost:8000/" in (
        response.content.decode()
    )
    assert registry_state() == before


def test_reset_needs_confirming_then_makes_a_new_copy(abbey, staff, quick):
    old = create_training_school(abbey).school
    client = signed_in(abbey, staff["dsl"])
    before = registry_state()
    assert client.post(PAGE, {"command": "reset"}).status_code == 400
    assert registry_state() == before

    response = client.post(PAGE, {"command": "reset", "confirm": "yes"})
    assert response.status_code == 200
    assert "The old training copy was dropped." in response.content.decode()
    new = School.objects.get(slug="abbey-training")
    assert new.pk != old.pk and new.training_of == abbey


def test_a_training_copy_cannot_make_a_training_copy_of_itself(abbey, quick):
    copy = create_training_school(abbey).school
    with copy:
        dsl = User.objects.get(email="dsl@training.example")
    client = signed_in(copy, dsl)
    html = client.get(PAGE).content.decode()
    assert "This is the training copy of Abbey Community College" in html
    assert "Create training copy" not in html
    before = registry_state()
    response = client.post(PAGE, {"command": "create", "confirm": "yes"})
    assert response.status_code == 400
    assert "is itself a training copy" in response.content.decode()
    assert registry_state() == before
