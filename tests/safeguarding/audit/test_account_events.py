"""Sign-ins, failures, lockouts, second factors, passwords and staff changes are audited,
with who, what and from where."""

from __future__ import annotations

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from safeguarding.access.models import Role
from safeguarding.audit.models import AuditEvent
from tests.accounts.test_step_up import code_for
from tests.factories import PASSWORD, StaffFactory
from tests.sessions import signed_in


def _events(abbey) -> list[tuple[str, str, str | None]]:
    with abbey:
        return list(AuditEvent.objects.order_by("seq").values_list("action", "actor_label", "ip"))


def test_sign_in_failure_lockout_and_elevation_are_each_recorded(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
        device = TOTPDevice.objects.create(user=slt, name="Phone")
    address = "203.0.113.50"
    client = Client(HTTP_HOST="abbey.localhost", REMOTE_ADDR=address)
    client.post("/accounts/login/", {"username": "SLT@abbey.example", "password": "wrong"})
    client.post("/accounts/login/", {"username": "slt@abbey.example", "password": PASSWORD})
    with abbey:
        code = code_for(device)
    client.post("/accounts/elevate/", {"code": code})
    client.post("/accounts/logout/")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "slt@abbey.example", "password": "wrong"})
    events = [e for e in _events(abbey) if e[1] == "slt@abbey.example"]
    actions = [action for action, _, _ in events]
    assert actions[:4] == ["login_failed", "login", "second_factor_verified", "logout"]
    assert "locked_out" in actions
    assert {ip for _, _, ip in events} == {address}


def test_staff_changes_and_sign_in_rules_are_recorded_against_the_dsl(abbey):
    with abbey:
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
        teacher = StaffFactory(email="t@abbey.example")
        slt_role = Role.objects.get(name="SLT")
    client = signed_in(abbey, dsl)
    client.post(f"/settings/staff/{teacher.pk}/", {"command": "role", "role": slt_role.pk})
    client.post(f"/settings/staff/{teacher.pk}/", {"command": "deactivate", "confirm": "on"})
    client.post("/settings/security/", {"preset": "asvs"})
    with abbey:
        rows = list(
            AuditEvent.objects.filter(actor=dsl)
            .exclude(action="login")
            .order_by("seq")
            .values_list("action", "object_id", "detail")
        )
    assert [r[0] for r in rows] == [
        "role_changed",
        "staff_deactivated",
        "security_settings_changed",
    ]
    assert rows[0][1] == teacher.pk and f'"role_to":{slt_role.pk}' in rows[0][2]
    assert '"preset":"asvs"' in rows[2][2]


def test_a_password_change_is_recorded_without_the_password(abbey):
    with abbey:
        user = StaffFactory(email="p@abbey.example")
    client = signed_in(abbey, user)
    client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Kettle-Moss-42",
            "new_password2": "Kettle-Moss-42",
        },
    )
    with abbey:
        assert User.objects.get(pk=user.pk).check_password("Kettle-Moss-42")
        event = AuditEvent.objects.get(action="password_changed")
        assert event.actor_id == user.pk
        assert "Kettle" not in event.detail and PASSWORD not in event.detail


def test_a_wrong_code_is_recorded_so_guessing_leaves_a_trace(abbey):
    with abbey:
        slt = StaffFactory(email="slt@abbey.example", role="SLT")
        TOTPDevice.objects.create(user=slt, name="Phone")
    client = Client(HTTP_HOST="abbey.localhost")
    client.post("/accounts/login/", {"username": "slt@abbey.example", "password": PASSWORD})
    client.post("/accounts/elevate/", {"code": "000000"})
    with abbey:
        failed = AuditEvent.objects.get(action="second_factor_failed")
        assert failed.actor_id == slt.pk and "000000" not in failed.detail
