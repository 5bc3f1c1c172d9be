from __future__ import annotations

import logging
import smtplib

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from accounts.models import User
from tenants.errors import InvalidSchoolDetails, InvalidSlug, SlugTaken, TrustNotFound
from tenants.models import Domain, School
from tenants.services import onboard_school


def _state() -> tuple[int, int, list[str]]:
    """What onboarding could leave behind: schools, domains and schemas."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace ORDER BY nspname")
        schemas = [name for (name,) in cursor.fetchall()]
    return School.objects.count(), Domain.objects.count(), schemas


def test_onboarding_creates_the_school_its_host_and_a_cloned_schema(db):
    onboarded = onboard_school(
        slug="st-hilda", name="St Hilda's C of E Primary", admin_email="dsl@sthilda.example",
        trust="demo",
    )  # fmt: skip
    school = onboarded.school
    assert school.schema_name == "st_hilda"
    assert school.trust.slug == "demo"
    assert school.status == School.Status.ACTIVE
    assert list(school.domains.values_list("domain", flat=True)) == ["st-hilda.localhost"]
    assert onboarded.url == "http://st-hilda.localhost:8000/"
    assert schema_exists("st_hilda")
    with schema_context("st_hilda"):
        tables = set(connection.introspection.table_names())
    assert {"accounts_user", "django_session", "django_migrations", "otp_totp_totpdevice"} <= tables


def test_the_first_dsl_gets_an_account_in_the_school_only_and_an_invitation(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        onboard_school(slug="oakfield", name="Oakfield Academy", admin_email="DSL@Oakfield.example")
    with schema_context("oakfield"):
        admin = User.objects.get()
        assert admin.email == "dsl@oakfield.example"
        assert not admin.has_usable_password()
    assert not User.objects.filter(email="dsl@oakfield.example").exists()  # not in public
    [email] = mailoutbox
    assert email.to == ["dsl@oakfield.example"]
    assert "Oakfield Academy" in email.subject
    assert "http://oakfield.localhost:8000/accounts/set-password/" in email.body


def test_a_new_school_is_served_as_soon_as_it_is_onboarded(db):
    onboard_school(slug="brookside", name="Brookside Infants", admin_email="dsl@brook.example")
    response = Client(HTTP_HOST="brookside.localhost").get("/accounts/login/")
    assert response.status_code == 200
    assert "Sign in to Brookside Infants" in response.content.decode()


def test_reusing_a_slug_is_refused_and_changes_nothing(db, abbey):
    before = _state()
    with pytest.raises(SlugTaken, match="'abbey' already exists"):
        onboard_school(slug="abbey", name="Another Abbey", admin_email="x@another.example")
    assert _state() == before
    assert School.objects.get(slug="abbey").name == "Abbey Community College"


@pytest.mark.parametrize("slug", ["Abbey2", "www", "api", "admin", "public", "bad_slug"])
def test_invalid_slugs_are_refused_and_change_nothing(db, slug):
    before = _state()
    with pytest.raises(InvalidSlug):
        onboard_school(slug=slug, name="Some School", admin_email="dsl@some.example")
    assert _state() == before


@pytest.mark.parametrize(
    ("details", "error", "field"),
    [
        ({"trust": "no-such-trust"}, TrustNotFound, "trust"),
        ({"admin_email": "not-an-email"}, InvalidSchoolDetails, "admin_email"),
        ({"name": "   "}, InvalidSchoolDetails, "name"),
    ],
)
def test_bad_details_are_refused_naming_the_field_and_change_nothing(db, details, error, field):
    before = _state()
    arguments = {"slug": "elmwood", "name": "Elmwood", "admin_email": "dsl@elm.example", **details}
    with pytest.raises(error) as raised:
        onboard_school(**arguments)
    assert raised.value.field == field
    assert _state() == before


def test_a_failure_after_the_clone_rolls_the_schema_back(db, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("mail server exploded")

    monkeypatch.setattr("tenants.services.accounts.send_invitation", fail)
    before = _state()
    with pytest.raises(RuntimeError):
        onboard_school(slug="hollyhill", name="Holly Hill", admin_email="dsl@holly.example")
    assert _state() == before


def test_onboarding_works_whichever_school_the_connection_was_last_in(westleigh):
    with westleigh:
        onboarded = onboard_school(slug="ashgrove", name="Ash Grove", admin_email="d@ash.example")
    assert School.objects.filter(slug="ashgrove").exists()
    with schema_context("ashgrove"):
        assert User.objects.filter(pk=onboarded.admin.pk).exists()
    with westleigh:
        assert not User.objects.filter(email="d@ash.example").exists()


@pytest.mark.parametrize("caught_by", ["django-tenants", "unique constraint"])
def test_a_slug_taken_by_a_concurrent_request_is_refused_and_changes_nothing(
    db, monkeypatch, caught_by
):
    """Our check passed, then another request registered the slug before our insert."""
    monkeypatch.setattr("tenants.services._slug_taken", lambda slug, schema: False)
    if caught_by == "unique constraint":
        monkeypatch.setattr(School, "_check_schema_name_is_unique", lambda self: None)
    before = _state()
    with pytest.raises(SlugTaken, match="'abbey' already exists"):
        onboard_school(slug="abbey", name="Abbey Twin", admin_email="dsl@twin.example")
    assert _state() == before


def test_a_failing_mail_server_does_not_undo_the_onboarding(
    db, monkeypatch, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection closed")

    monkeypatch.setattr("accounts.services.send_mail", refuse)
    # Whatever an earlier test's Celery worker did to the root logger's level.
    caplog.set_level(logging.WARNING, logger="accounts.services")
    with django_capture_on_commit_callbacks(execute=True):
        onboard_school(slug="fernhill", name="Fern Hill", admin_email="dsl@fern.example")
    assert School.objects.filter(slug="fernhill").exists()
    assert "Could not email the invitation for Fern Hill to dsl@fern.example" in caplog.text
    assert "haven resend-invitation" in caplog.text
