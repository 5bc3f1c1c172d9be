"""`haven training-school --school abbey`: a linked training copy with made-up data only."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists

from accounts.models import User
from safeguarding.concerns.models import Category, Incident
from safeguarding.demo_data import generate
from safeguarding.people.models import Group, Pupil
from tenants.errors import InvalidSlug
from tenants.models import Domain, School
from tenants.services import onboard_school
from tenants.slugs import training_slug_for
from tenants.training import (
    NotARealSchool,
    TrainingCopyExists,
    TrainingSlugTaken,
    create_training_school,
    template_of,
)
from tests.factories import PupilFactory


def registry_state() -> tuple[list[tuple], list[str], list[str]]:
    """What making a training copy could leave behind: schools, host names and schemas."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace ORDER BY nspname")
        schemas = [name for (name,) in cursor.fetchall()]
    schools = list(School.objects.order_by("pk").values_list("pk", "slug", "training_of"))
    return schools, sorted(Domain.objects.values_list("domain", flat=True)), schemas


def _people(school: School) -> tuple[set[str], set[tuple]]:
    """UPNs, and (name, date of birth), of every pupil at `school`."""
    with school:
        pupils = list(Pupil.objects.all())
    return (
        {pupil.upn for pupil in pupils},
        {(pupil.legal_first_name, pupil.legal_last_name, pupil.date_of_birth) for pupil in pupils},
    )


def _run(*args: str, **options) -> str:
    out = StringIO()
    call_command("training_school", *args, stdout=out, **options)
    return out.getvalue()


def test_the_command_makes_abbey_training_with_made_up_pupils_and_none_of_abbeys(abbey):
    with abbey:
        PupilFactory(legal_first_name="Amara", legal_last_name="Okafor", upn="A123456789012")
        generate(pupils=60, incidents=0, seed=5)
    out = _run("--school", "abbey")

    copy = School.objects.get(slug="abbey-training")
    assert copy.training_of == abbey and copy.is_training and not abbey.is_training
    assert copy.trust == abbey.trust
    assert copy.name == "Abbey Community College (training)"
    assert "http://abbey-training.localhost:8000/" in out
    assert "nothing from Abbey Community College" in out
    upns, names = _people(copy)
    abbey_upns, abbey_names = _people(abbey)
    assert len(upns) == 300
    assert not upns & abbey_upns
    assert not names & abbey_names
    assert not any(first == "Amara" and last == "Okafor" for first, last, _born in names)
    with copy:
        assert Incident.objects.count() == 600
        # The same category template as abbey's, and secondary year groups to match.
        copy_categories = set(Category.objects.values_list("name", flat=True))
        assert Group.objects.filter(kind="year", name="Year 11").exists()
    with abbey:
        assert copy_categories == set(Category.objects.values_list("name", flat=True))
        assert Pupil.objects.count() == 61  # abbey itself is untouched


def test_the_command_prints_a_login_per_role_and_one_password_that_signs_them_in(abbey):
    out = _run("--school", "abbey")
    emails = re.findall(r"\S+@training\.example", out)
    assert emails == [
        "dsl@training.example",
        "slt@training.example",
        "head@training.example",
        "teacher@training.example",
        "support@training.example",
    ]
    password = re.search(r"Password: (\S+)", out).group(1)
    assert len(password) >= 16
    copy = School.objects.get(slug="abbey-training")
    with copy:
        for email in emails:
            user = User.objects.get(email=email)
            assert user.check_password(password)
            assert password not in user.password
        roles = dict(User.objects.values_list("email", "staff_profile__role__name"))
        assert roles["dsl@training.example"] == "Safeguarding team"
        assert roles["teacher@training.example"] == "Teachers"
        teacher = User.objects.get(email="teacher@training.example")
        form = teacher.staff_groups.get()
        assert Pupil.objects.filter(form=form).exists()  # a class to practise on
        assert Incident.objects.filter(recorded_by=teacher).exists()
    with abbey:  # no trainee login reaches the real school
        assert not User.objects.filter(email__endswith="@training.example").exists()
    # A trainee signs in through the copy's own sign-in page, and only there.
    for host, expected in (("abbey-training.localhost", 302), ("abbey.localhost", 200)):
        response = Client(HTTP_HOST=host).post(
            "/accounts/login/", {"username": "teacher@training.example", "password": password}
        )
        assert response.status_code == expected, host


def test_the_password_is_never_logged_nor_in_the_result_s_repr(abbey, quick, caplog):
    caplog.set_level("DEBUG")
    made = create_training_school(abbey)
    assert made.password not in caplog.text
    assert made.password not in repr(made)
    assert "Created the training copy abbey-training of abbey" in caplog.text


def test_passwords_are_strong_and_differ_every_time(abbey, quick):
    first = create_training_school(abbey).password
    second = create_training_school(abbey, reset=True).password
    assert first != second
    for password in (first, second):
        assert re.fullmatch(r"[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}", password)
        assert re.search("[a-z]", password) and re.search("[A-Z]", password)
        assert re.search("[0-9]", password)


def test_a_second_run_without_reset_refuses_clearly_and_changes_nothing(abbey, quick):
    create_training_school(abbey)
    copy = School.objects.get(slug="abbey-training")
    before, people = registry_state(), _people(copy)
    with pytest.raises(
        CommandError,
        match=r"Abbey Community College already has a training copy at "
        r"http://abbey-training.localhost:8000/; nothing was changed\..*"
        r"haven training-school --school abbey --reset",
    ):
        _run("--school", "abbey")
    assert registry_state() == before
    assert _people(copy) == people


def test_reset_drops_the_copy_and_makes_a_new_one(abbey, quick):
    old = create_training_school(abbey)
    with old.school:
        PupilFactory(legal_first_name="Added", legal_last_name="ByTrainee")
    out = _run("--school", "abbey", "--reset", "--yes")

    assert "Re-created the training copy of Abbey Community College" in out
    new = School.objects.get(slug="abbey-training")
    assert new.pk != old.school.pk and new.training_of == abbey
    assert School.objects.filter(training_of=abbey).count() == 1
    with new:
        assert not Pupil.objects.filter(legal_last_name="ByTrainee").exists()
        dsl = User.objects.get(email="dsl@training.example")
        assert not dsl.check_password(old.password)
        assert dsl.check_password(re.search(r"Password: (\S+)", out).group(1))


def test_reset_asks_first_and_refuses_without_a_terminal_or_yes(abbey, quick):
    create_training_school(abbey)
    before = registry_state()
    with pytest.raises(CommandError, match=r"Pass --yes to go ahead\. Nothing was changed\."):
        _run("--school", "abbey", "--reset")
    assert registry_state() == before


def test_reset_without_a_copy_simply_makes_one(abbey, quick):
    out = _run("--school", "abbey", "--reset")
    assert "Created the training copy" in out
    assert School.objects.filter(slug="abbey-training", training_of=abbey).exists()


def test_a_training_copy_of_a_training_copy_is_refused(abbey, quick):
    copy = create_training_school(abbey).school
    before = registry_state()
    with pytest.raises(NotARealSchool, match="is itself a training copy"):
        create_training_school(copy)
    with pytest.raises(CommandError, match="is itself a training copy"):
        _run("--school", "abbey-training")
    assert registry_state() == before


def test_an_address_taken_by_an_unrelated_school_is_refused(westleigh, quick):
    onboard_school(slug="westleigh-training", name="Westleigh Training Centre",
                   admin_email="office@wtc.example")  # fmt: skip
    before = registry_state()
    with pytest.raises(TrainingSlugTaken, match="belongs to another school"):
        create_training_school(westleigh)
    assert registry_state() == before


def test_an_address_too_long_for_the_web_is_refused():
    assert training_slug_for("a" * 40) == "a" * 40 + "-training"
    with pytest.raises(InvalidSlug, match="longer than the 63"):
        training_slug_for("a" * 55)


def test_an_unknown_school_is_refused_clearly(db):
    with pytest.raises(CommandError, match="There is no school with the slug 'nowhere'"):
        _run("--school", "nowhere")


def test_a_failure_part_way_leaves_no_half_made_copy(abbey, quick, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tenants.training.generate", fail)
    before = registry_state()
    with pytest.raises(RuntimeError):
        create_training_school(abbey)
    assert registry_state() == before
    assert not schema_exists("abbey_training")


def test_a_failed_reset_keeps_the_old_copy(abbey, quick, monkeypatch):
    old = create_training_school(abbey)
    before, people = registry_state(), _people(old.school)
    monkeypatch.setattr("tenants.training.generate", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        create_training_school(abbey, reset=True)
    assert registry_state() == before
    assert _people(old.school) == people


def test_the_exists_error_says_where_the_copy_is(abbey, quick):
    create_training_school(abbey)
    with pytest.raises(TrainingCopyExists) as refused:
        create_training_school(abbey)
    assert refused.value.url == "http://abbey-training.localhost:8000/"
    assert refused.value.copy.slug == "abbey-training"


def test_a_primary_school_gets_a_primary_copy(westleigh, quick):
    copy = create_training_school(westleigh).school
    assert copy.category_template == "primary"
    with copy:
        assert Group.objects.filter(kind="year", name="Reception").exists()
        assert Category.objects.filter(name="Cause for concern").exists()


def test_schools_onboarded_before_templates_were_recorded_get_the_closest(abbey, westleigh):
    School.objects.filter(pk__in=[abbey.pk, westleigh.pk]).update(category_template="")
    abbey.refresh_from_db()
    westleigh.refresh_from_db()
    assert (template_of(abbey), template_of(westleigh)) == ("secondary", "primary")


def test_a_reset_deletes_the_files_trainees_uploaded_to_the_old_copy(
    abbey, quick, django_capture_on_commit_callbacks
):
    old = create_training_school(abbey)
    with old.school:
        name = default_storage.save("attachments/statement.txt", ContentFile(b"made up"))
        assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        create_training_school(abbey, reset=True)
    with School.objects.get(slug="abbey-training"):
        assert not default_storage.exists(name)
    with abbey:  # the real school's files are another folder, untouched
        kept = default_storage.save("attachments/kept.txt", ContentFile(b"abbey"))
    with django_capture_on_commit_callbacks(execute=True):
        create_training_school(abbey, reset=True)
    with abbey:
        assert default_storage.exists(kept)
        default_storage.delete(kept)
