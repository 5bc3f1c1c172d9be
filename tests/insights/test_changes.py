"""Every change that can move a fact notes, in its own transaction, that the school needs
refreshing: the school and a time in the public schema, nothing else, and nothing at all
if the change rolls back."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from insights.models import Change
from tests.databases import url_of_test_database
from tests.insights.school_records import action, at, category, incident, staff

# The leaver fixture of the retention tests: a pupil whose records a DSL may purge.
from tests.safeguarding.retention.conftest import leaver  # noqa: F401
from tests.safeguarding.retention.helpers import confirmed_review


def noted(school) -> int:
    return Change.objects.filter(school=school).count()


def as_a_new_transaction(school) -> None:
    """Forget what this transaction noted, so the next change is noted as if it were the
    first of its own transaction (the test runs in one transaction throughout)."""
    Change.objects.filter(school=school).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('haven.insights_changed', '', true)")


def test_recording_an_incident_notes_the_school_once_in_the_same_transaction(abbey):
    from safeguarding.concerns.services import add_action, record_incident
    from tests.factories import PupilFactory
    from tests.sessions import verified_viewer

    with abbey:
        people = staff()
        pupil = PupilFactory()
        as_a_new_transaction(abbey)
        viewer = verified_viewer(people.dsl)
        made = record_incident(
            viewer=viewer, pupil_id=pupil.pk, category_ids=[category("bullying").pk],
            text="Synthetic.", occurred_at=timezone.now() - datetime.timedelta(hours=1),
        )  # fmt: skip
        assert noted(abbey) == 1
        add_action(viewer=viewer, incident_id=made.pk, kind="note", text="Synthetic.")
        assert noted(abbey) == 1  # once per transaction, whatever it changes

    change = Change.objects.get(school=abbey)
    assert change.changed_at <= timezone.now()


@pytest.mark.parametrize(
    "change",
    [
        "incident",
        "recategorised",
        "action",
        "completion",
        "pupil_added",
        "pupil_left",
        "pupil_admitted",
        "pupil_deleted",
        "standard_remapped",
        "staff_role_changed",
        "role_level_changed",
    ],
)
def test_each_kind_of_change_that_moves_a_fact_is_noted(abbey, change):
    from safeguarding.access.models import Role
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import complete_action, recategorise
    from safeguarding.people.models import Pupil, StaffProfile
    from tests.factories import PupilFactory
    from tests.sessions import verified_viewer

    with abbey:
        people = staff()
        pupil, spare = PupilFactory(), PupilFactory()
        bullying = category("bullying")
        made = incident(pupil, [bullying], occurred=at(2024, 1, 10), by=people.teacher)
        assigned = action(
            made, by=people.dsl, recorded=timezone.now(), assignee=people.dsl,
            due=timezone.localdate(),
        )  # fmt: skip
        as_a_new_transaction(abbey)
        viewer = verified_viewer(people.dsl)
        match change:
            case "incident":
                incident(pupil, [bullying], occurred=at(2024, 1, 11), by=people.teacher)
            case "recategorised":
                recategorise(
                    viewer=viewer, incident_id=made.pk, category_ids=[category("neglect").pk]
                )
            case "action":
                action(made, by=people.teacher, recorded=timezone.now())
            case "completion":
                complete_action(viewer=viewer, action_id=assigned.pk)
            case "pupil_added":
                PupilFactory()
            case "pupil_left":
                Pupil.objects.filter(pk=pupil.pk).update(leaving_date=timezone.localdate())
            case "pupil_admitted":
                Pupil.objects.filter(pk=pupil.pk).update(admission_date=datetime.date(2020, 9, 1))
            case "pupil_deleted":
                Pupil.objects.filter(pk=spare.pk).delete()
            case "standard_remapped":
                Category.objects.filter(pk=bullying.pk).update(standard="child_on_child")
            case "staff_role_changed":
                StaffProfile.objects.filter(user=people.teacher).update(
                    role=Role.objects.get(name="Safeguarding team")
                )
            case "role_level_changed":
                Role.objects.filter(name="Teachers").update(level="full_admin")
        assert noted(abbey) == 1


def test_changes_that_move_no_fact_are_not_noted(abbey):
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import set_risk
    from safeguarding.people.models import Pupil
    from tests.factories import PupilFactory
    from tests.sessions import verified_viewer

    with abbey:
        people = staff()
        pupil = PupilFactory()
        bullying = category("bullying")
        made = incident(pupil, [bullying], occurred=at(2024, 1, 10), by=people.teacher)
        as_a_new_transaction(abbey)
        Pupil.objects.filter(pk=pupil.pk).update(legal_first_name="Renamed", cp_plan=True)
        Category.objects.filter(pk=bullying.pk).update(name="Renamed category")
        set_risk(
            viewer=verified_viewer(people.dsl), incident_id=made.pk, risk="high", reason="Why."
        )
        assert noted(abbey) == 0


def test_a_rolled_back_change_notes_nothing_and_takes_its_note_back(abbey):
    from tests.factories import PupilFactory

    with abbey:
        as_a_new_transaction(abbey)
        with pytest.raises(RuntimeError), transaction.atomic():
            PupilFactory()
            assert noted(abbey) == 1
            raise RuntimeError("rolled back")
        assert noted(abbey) == 0
        # The note went with the savepoint: the next change in the transaction is noted.
        PupilFactory()
        assert noted(abbey) == 1


def test_the_note_commits_with_the_change_and_only_then_shows(abbey, django_db_blocker):
    """On connections of their own, as the web and the worker are: the change is invisible
    to the worker until it commits, then there; a rollback leaves nothing."""
    insert = (
        "INSERT INTO people_pupil (upn, legal_first_name, legal_last_name, preferred_first_name,"
        " preferred_last_name, date_of_birth, gender, cp_plan, cin, cla, sen, eal, fsm,"
        " pupil_premium, early_help, created, updated) VALUES (%s, 'Synthetic', 'Pupil', '',"
        " '', '2015-01-01', 'U', false, false, false, '', false, false, false, false, now(),"
        " now())"
    )
    count = "SELECT count(*) FROM public.insights_change WHERE school_id = %s"
    with django_db_blocker.unblock():
        url = url_of_test_database()
    with psycopg.connect(url) as school, psycopg.connect(url, autocommit=True) as worker:
        school.execute("SET search_path TO abbey, public")
        school.commit()  # a SET rolls back with its transaction
        before = worker.execute(count, [abbey.pk]).fetchone()[0]
        try:
            school.execute(insert, ["Z900000000001"])
            assert school.execute(count, [abbey.pk]).fetchone()[0] == before + 1
            assert worker.execute(count, [abbey.pk]).fetchone()[0] == before
            school.rollback()
            assert worker.execute(count, [abbey.pk]).fetchone()[0] == before

            school.execute(insert, ["Z900000000002"])
            school.commit()
            assert worker.execute(count, [abbey.pk]).fetchone()[0] == before + 1
        finally:
            school.rollback()
            school.execute("DELETE FROM people_pupil WHERE upn LIKE 'Z9000000000%%'")
            school.execute("DELETE FROM public.insights_change WHERE school_id = %s", [abbey.pk])
            school.commit()


def test_the_template_schema_has_no_school_and_notes_nothing(db):
    from django_tenants.utils import schema_context

    from tests.factories import PupilFactory

    before = Change.objects.count()
    with schema_context("_template"):
        PupilFactory()
    assert Change.objects.count() == before


def test_a_retention_purge_is_noted(abbey, leaver):  # noqa: F811
    from safeguarding.retention import services as retention

    with abbey:
        confirmed_review(leaver["lena"], leaver["dsl"])
        as_a_new_transaction(abbey)
        assert retention.purge_confirmed() == 1
        assert noted(abbey) == 1
