"""The console's own pages: operators only, behind a verified second factor, listing every
school with counts as last measured."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from console import audit, health
from console.models import OperatorAction, SchoolHealth
from tenants.models import School
from tests.factories import OperatorFactory, PupilFactory, UserFactory
from tests.sessions import platform_client


def test_an_operator_without_a_verified_factor_is_sent_to_verify_one(db):
    client = platform_client(OperatorFactory(), verified=False)
    response = client.get("/console/?status=active")
    assert response.status_code == 302
    assert response["Location"] == "/console/verify/?next=%2Fconsole%2F%3Fstatus%3Dactive"
    page = client.get("/console/verify/").content.decode()
    assert "the console stays closed until you set one up" in page


def test_someone_who_is_not_an_operator_is_refused(db):
    client = platform_client(UserFactory())
    response = client.get("/console/")
    assert response.status_code == 403
    assert "Platform operators only" in response.content.decode()


def test_the_platform_home_takes_an_operator_to_the_console(db):
    response = platform_client(OperatorFactory()).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/console/"


def test_one_school_that_cannot_be_measured_does_not_stop_the_others(
    abbey, westleigh, monkeypatch, caplog
):
    measure = health.measure

    def failing_for_abbey(school):
        if school.schema_name == "abbey":
            raise RuntimeError("a message that might quote a row")
        return measure(school)

    monkeypatch.setattr(health, "measure", failing_for_abbey)
    schools = School.objects.exclude(status=School.Status.REMOVED).count()
    assert health.measure_all() == schools - 1
    assert SchoolHealth.objects.filter(school=westleigh).exists()
    assert not SchoolHealth.objects.filter(school=abbey).exists()
    assert "abbey: RuntimeError" in caplog.text
    assert "might quote a row" not in caplog.text


def test_the_list_shows_each_school_with_its_measured_counts(abbey, westleigh):
    before = health.measure(abbey).pupils_on_roll
    with abbey:
        PupilFactory.create_batch(3)
    measured = health.measure(abbey)
    assert measured.pupils_on_roll == before + 3
    assert measured.staff_accounts >= 1
    page = platform_client(OperatorFactory()).get("/console/").content.decode()
    assert "Abbey Community College" in page
    assert "Westleigh Methodist Primary School" in page
    assert f'<td class="num">{measured.pupils_on_roll}</td>' in page
    assert "Demo Academy Trust" in page


def test_filters_narrow_the_list_and_say_so_when_nothing_matches(abbey, westleigh):
    client = platform_client(OperatorFactory())
    page = client.get("/console/", {"q": "westleigh"}).content.decode()
    assert "Westleigh Methodist" in page and "Abbey Community" not in page
    page = client.get("/console/", {"status": "suspended"}).content.decode()
    assert "No school matches." in page


def test_a_schools_page_shows_its_counts_and_an_unknown_one_is_404(abbey):
    health.measure(abbey)
    client = platform_client(OperatorFactory())
    page = client.get("/console/schools/abbey/").content.decode()
    assert "Staff accounts" in page and "Abbey Community College" in page
    assert client.get("/console/schools/nowhere/").status_code == 404


def test_operator_actions_are_listed_and_kept_as_written(abbey):
    operator = OperatorFactory()
    entry = audit.record(by=operator, act=audit.Act.SUSPENDED, school=abbey, reason="Asked to")
    page = platform_client(operator).get("/console/audit/").content.decode()
    assert "Suspended a school" in page and "Asked to" in page
    for statement in (
        "UPDATE console_operatoraction SET reason = 'changed' WHERE id = %s",
        "DELETE FROM console_operatoraction WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    assert OperatorAction.objects.get(pk=entry.pk).reason == "Asked to"
