from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from safeguarding.concerns.models import Action, Incident, IncidentCategory
from safeguarding.demo_data import generate
from safeguarding.people.models import Group, Guardian, Pupil, StaffProfile
from tenants.services import onboard_school


@pytest.fixture
def fresh(db):
    return onboard_school(slug="synthetic", name="Synthetic High", admin_email="d@syn.example",
                          template="secondary").school  # fmt: skip


def test_a_secondary_school_gets_years_forms_staff_pupils_and_incidents(fresh):
    with fresh:
        made = generate(pupils=120, incidents=300, phase="secondary", seed=7)
        assert (made.pupils, made.incidents) == (120, 300)
        assert Pupil.objects.count() == 120
        assert set(Group.objects.filter(kind="year").values_list("name", flat=True)) == {
            "Year 7", "Year 8", "Year 9", "Year 10", "Year 11"
        }  # fmt: skip
        assert not Pupil.objects.filter(form__isnull=True).exists()
        assert Guardian.objects.count() >= 120
        roles = set(StaffProfile.objects.values_list("role__name", flat=True))
        assert {"Safeguarding team", "SLT", "Heads of School", "Teachers", "Support staff"} <= roles
        assert Incident.objects.count() == 300
        assert IncidentCategory.objects.count() >= 300
        assert Action.objects.count() == made.actions > 0
        # Every pupil is the right age for their year group: Year 7 are 11 or 12 today.
        today = timezone.localdate()
        for pupil in Pupil.objects.select_related("year_group"):
            year = int(pupil.year_group.name.split()[1])
            assert pupil.age_on(today) in (year + 4, year + 5)


def test_the_same_seed_gives_the_same_pupils(fresh, westleigh):
    with fresh:
        generate(pupils=5, incidents=0, seed=3)
        first = list(Pupil.objects.order_by("pk").values_list("legal_first_name", "upn"))
    with westleigh:
        generate(pupils=5, incidents=0, seed=3)
        again = list(Pupil.objects.order_by("pk").values_list("legal_first_name", "upn"))
    assert first == again


def test_the_command_reports_what_it_added(fresh):
    out = StringIO()
    call_command(
        "demo_data", school="synthetic", pupils=30, incidents=40, seed=1, yes=True, stdout=out
    )
    assert "Added 30 pupils" in out.getvalue()
    assert "40 incidents" in out.getvalue()


def test_the_command_asks_before_adding_incidents_that_can_never_be_deleted(fresh, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match=r"can never be deleted\. Pass --yes"):
        call_command("demo_data", school="synthetic", pupils=3, incidents=2)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    for answer in ("not-the-slug", EOFError):

        def answered(prompt, answer=answer):
            if answer is EOFError:
                raise EOFError
            return answer

        monkeypatch.setattr("builtins.input", answered)
        with pytest.raises(CommandError, match="Nothing was added"):
            call_command("demo_data", school="synthetic", pupils=3, incidents=2, stdout=StringIO())
    with fresh:
        assert not Pupil.objects.exists()
    monkeypatch.setattr("builtins.input", lambda prompt: "synthetic")
    out = StringIO()
    call_command("demo_data", school="synthetic", pupils=3, incidents=2, stdout=out)
    assert "Added 3 pupils" in out.getvalue()


def test_the_command_refuses_an_unknown_school_or_silly_numbers(db):
    with pytest.raises(CommandError, match="no school with the slug 'nowhere'"):
        call_command("demo_data", school="nowhere")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("demo_data", school="abbey", pupils=0)
