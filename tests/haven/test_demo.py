from __future__ import annotations

import stat

from django.test import Client
from django.utils import timezone

from accounts.models import User
from haven.config import Config
from haven.demo import ensure_demo


def test_a_missing_logins_file_mends_the_demo_with_new_passwords_that_work(db, tmp_path):
    """The session's demo trust and schools exist; the logins of an earlier start are lost."""
    config = Config.from_environ({"HAVEN_VAR_DIR": str(tmp_path), "HAVEN_PORT": "8000"})
    logins = ensure_demo(config)
    assert [login.email for login in logins] == [
        "operator@haven.example", "lead@demo-trust.example",
        "dsl@abbey.example", "deputy@abbey.example", "teacher@abbey.example",
        "dsl@westleigh.example", "deputy@westleigh.example", "teacher@westleigh.example",
    ]  # fmt: skip
    assert logins[2].url == "http://abbey.localhost:8000/"
    path = tmp_path / "demo-logins.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_demo(config) == logins

    client = Client(HTTP_HOST="abbey.localhost")
    response = client.post(
        "/accounts/login/", {"username": "dsl@abbey.example", "password": logins[2].password}
    )
    assert response.status_code == 302
    teacher = Client(HTTP_HOST="westleigh.localhost")
    response = teacher.post(
        "/accounts/login/",
        {"username": "teacher@westleigh.example", "password": logins[7].password},
    )
    assert response.status_code == 302
    assert teacher.get("/").status_code == 200
    operator = Client(HTTP_HOST="localhost")
    response = operator.post(
        "/accounts/login/", {"username": "operator@haven.example", "password": logins[0].password}
    )
    assert response.status_code == 302
    lead = Client(HTTP_HOST="localhost")
    response = lead.post(
        "/accounts/login/?next=/trust/",
        {"username": "lead@demo-trust.example", "password": logins[1].password},
    )
    assert response["Location"] == "/trust/"
    assert logins[1].url == "http://localhost:8000/trust/"
    # A trust lead sees no figure before setting up a second factor.
    assert lead.get("/trust/")["Location"].startswith("/trust/verify/")


def test_the_demo_dsl_is_on_duty_with_the_deputy_next_and_escalation_after_two_minutes(
    db, tmp_path
):
    from safeguarding.alerts.models import AlertSettings, DutySlot
    from safeguarding.alerts.rota import Rota, duty_at
    from tenants.models import School

    ensure_demo(Config.from_environ({"HAVEN_VAR_DIR": str(tmp_path), "HAVEN_PORT": "8000"}))
    with School.objects.get(slug="abbey"):
        rota = Rota(slots=list(DutySlot.objects.all()), covers=[], closures=[],
                    escalate_after=None)  # fmt: skip
        duty = duty_at(rota, timezone.now())
        emails = list(User.objects.filter(pk__in=duty.chain).values_list("email", flat=True))
        assert duty.in_hours
        assert sorted(emails) == ["deputy@abbey.example", "dsl@abbey.example"]
        assert User.objects.get(pk=duty.chain[0]).email == "dsl@abbey.example"
        assert AlertSettings.current().escalate_after_minutes == 2


def test_a_demo_school_has_former_pupils_for_the_dsl_to_review(abbey):
    from haven.demo import _former_pupils
    from safeguarding.demo_data import generate
    from safeguarding.retention.services import list_due

    with abbey:
        generate(pupils=12, incidents=30, seed=3)
        _former_pupils(count=2)
        assert list_due() == 2
