"""The safeguarding team manages staff: invite, role, deactivate, lost phones, sign-in rules."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecuritySettings, User
from safeguarding.access.models import Role
from safeguarding.concerns.models import Category, Incident
from safeguarding.concerns.services import record_incident
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in, verified_viewer


@pytest.fixture
def dsl(abbey):
    with abbey:
        return StaffFactory(email="lead@abbey.example", role="Safeguarding team")


def test_only_administrators_have_the_staff_and_security_pages(abbey, dsl):
    with abbey:
        slt = StaffFactory(role="SLT")
    for path in ("/settings/staff/", f"/settings/staff/{dsl.pk}/", "/settings/security/"):
        assert signed_in(abbey, dsl).get(path).status_code == 200
        assert signed_in(abbey, slt).get(path).status_code == 404
        assert signed_in(abbey, dsl, verified=False).get(path).status_code == 404


def test_a_dsl_invites_a_member_of_staff_by_email(abbey, dsl, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    client = signed_in(abbey, dsl)
    with abbey:
        role = Role.objects.get(name="Teachers")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/staff/",
            {"full_name": "Nia Brook", "email": "Nia@Abbey.example", "role": role.pk},
        )
    assert response.status_code == 302
    with abbey:
        invited = User.objects.get(email="nia@abbey.example")
        assert invited.staff_profile.role == role and not invited.has_usable_password()
    (message,) = mail.outbox
    assert "/accounts/set-password/" in message.body


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "not-an-email"}, "is not a valid email address"),
        ({"email": "lead@abbey.example"}, "There is already an account"),
        ({"email": "x@abbey.example", "role": "999999"}, "Choose a role."),
    ],
)
def test_a_refused_invitation_says_why_and_creates_nothing(abbey, dsl, form, message):
    with abbey:
        role = Role.objects.get(name="Teachers").pk
        before = User.objects.count()
    response = signed_in(abbey, dsl).post("/settings/staff/", {"role": role, **form})
    assert response.status_code == 400
    assert message in response.content.decode()
    with abbey:
        assert User.objects.count() == before


def test_a_deactivated_member_is_signed_out_at_once_and_keeps_their_records(abbey, dsl):
    with abbey:
        form = GroupFactory(kind="form")
        teacher = StaffFactory(email="left@abbey.example", groups=[form])
        incident = record_incident(
            viewer=verified_viewer(teacher),
            pupil_id=PupilFactory(form=form).pk,
            text="Something was said at lunch.",
            category_ids=[Category.objects.get(name="Cause for Concern").pk],
            occurred_at=timezone.now(),
        )
    their_session = signed_in(abbey, teacher)
    assert their_session.get("/").status_code == 200
    admin = signed_in(abbey, dsl)
    unconfirmed = admin.post(f"/settings/staff/{teacher.pk}/", {"command": "deactivate"})
    assert unconfirmed.status_code == 302
    with abbey:
        assert User.objects.get(pk=teacher.pk).is_active, "not without the tick"
    admin.post(f"/settings/staff/{teacher.pk}/", {"command": "deactivate", "confirm": "on"})
    with abbey:
        assert not User.objects.get(pk=teacher.pk).is_active
        assert Incident.objects.get(pk=incident.pk).recorded_by_id == teacher.pk
    assert their_session.get("/").status_code == 302
    admin.post(f"/settings/staff/{teacher.pk}/", {"command": "reactivate"})
    with abbey:
        assert User.objects.get(pk=teacher.pk).is_active


def test_the_school_is_never_left_without_an_administrator(abbey, dsl):
    with abbey:
        User.objects.filter(staff_profile__role__name="Safeguarding team").exclude(
            pk=dsl.pk
        ).update(is_active=False)
        teachers = Role.objects.get(name="Teachers")
    client = signed_in(abbey, dsl)
    page = client.post(
        f"/settings/staff/{dsl.pk}/", {"command": "role", "role": teachers.pk}, follow=True
    ).content.decode()
    assert "only active administrator" in page
    own = client.post(f"/settings/staff/{dsl.pk}/", {"command": "deactivate", "confirm": "on"})
    assert own.status_code == 302
    with abbey:
        dsl.refresh_from_db()
        assert dsl.is_active and dsl.staff_profile.role.name == "Safeguarding team"


def test_a_role_change_applies_from_the_members_next_request(abbey, dsl):
    with abbey:
        slt = StaffFactory(role="SLT")
        pupil = PupilFactory()
        teachers = Role.objects.get(name="Teachers")
    their_session = signed_in(abbey, slt)
    assert their_session.get(f"/pupils/{pupil.pk}/").status_code == 200
    signed_in(abbey, dsl).post(
        f"/settings/staff/{slt.pk}/", {"command": "role", "role": teachers.pk}
    )
    assert their_session.get(f"/pupils/{pupil.pk}/").status_code == 404


def test_a_dsl_removes_a_members_lost_phone(abbey, dsl):
    with abbey:
        slt = StaffFactory(role="SLT")
        phone = TOTPDevice.objects.create(user=slt, name="Lost phone")
    signed_in(abbey, dsl).post(
        f"/settings/staff/{slt.pk}/",
        {"command": "remove_device", "kind": "app", "device": phone.pk},
    )
    with abbey:
        assert not TOTPDevice.objects.filter(pk=phone.pk).exists()


def test_the_asvs_preset_is_one_click_and_custom_rules_are_checked(abbey, dsl):
    client = signed_in(abbey, dsl)
    client.post("/settings/security/", {"preset": "asvs"})
    with abbey:
        rules = SecuritySettings.current()
        assert (rules.min_length, rules.require_character_kinds, rules.expiry_days) == (
            12,
            False,
            0,
        )
    refused = client.post(
        "/settings/security/",
        {"min_length": "4", "expiry_days": "30", "session_timeout_minutes": "abc"},
    )
    assert refused.status_code == 400
    with abbey:
        assert SecuritySettings.current().min_length == 12, "nothing saved"
    client.post(
        "/settings/security/",
        {"min_length": "10", "expiry_days": "90", "session_timeout_minutes": "15",
         "require_character_kinds": "on"},
    )  # fmt: skip
    with abbey:
        rules = SecuritySettings.current()
        assert (rules.preset, rules.min_length, rules.session_timeout_minutes) == ("custom", 10, 15)


@pytest.mark.parametrize("email", ["a" * 300 + "@abbey.example", "nul\x00@abbey.example"])
def test_an_over_long_or_odd_email_is_refused_without_an_error_page(abbey, dsl, email):
    with abbey:
        role = Role.objects.get(name="Teachers").pk
    response = signed_in(abbey, dsl).post(
        "/settings/staff/", {"email": email, "full_name": "N\x00 Brook", "role": role}
    )
    assert response.status_code == 400
    assert "not a valid email address" in response.content.decode()
