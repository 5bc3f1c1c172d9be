"""What an incident was submitted with cannot be added to or taken from it afterwards, and
a DSL's changes go through only with their record. These need real, separate transactions,
so they run on a school committed for the purpose and a connection of their own."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from safeguarding.concerns.models import Agency, Category
from safeguarding.concerns.services import add_category, record_incident
from safeguarding.errors import NON_FIELD, Invalid
from tenants.models import School
from tenants.schemas import drop_schema
from tenants.services import onboard_school
from tests.databases import url_of_test_database
from tests.factories import PupilFactory, StaffFactory
from tests.sessions import verified_viewer

SLUG = "window-test"
pytestmark = pytest.mark.django_db  # so the test database exists when this module runs alone


@pytest.fixture(scope="module")
def committed(django_db_setup, django_db_blocker):
    """A school with one committed incident, its pupil, a second pupil and the DSL."""
    with django_db_blocker.unblock():
        school = onboard_school(slug=SLUG, name="Window Test", admin_email="d@wt.example").school
        with school:
            dsl = StaffFactory(email="dsl@wt.example", role="Safeguarding team")
            other = PupilFactory()
            incident = record_incident(
                viewer=verified_viewer(dsl),
                pupil_id=PupilFactory().pk,
                text="Recorded once.",
                category_ids=[Category.objects.get(name="Behaviour").pk],
                occurred_at=timezone.now(),
            )
            ids = {
                "incident": incident.pk,
                "dsl": dsl.pk,
                "other": other.pk,
                "behaviour": Category.objects.get(name="Behaviour").pk,
                "bullying": Category.objects.get(name="Cause for concern").pk,
                "agency": Agency.objects.first().pk,
            }
        yield ids
        drop_schema(school.schema_name)
        School.objects.filter(pk=school.pk).delete()


@pytest.fixture
def sql():
    """A connection of its own, in the test school, one transaction per statement block."""
    with psycopg.connect(url_of_test_database()) as conn:
        conn.execute(f'SET search_path = "{SLUG.replace("-", "_")}", public')
        conn.commit()
        yield conn


def _refused(conn, statement: str, params=()) -> str:
    with pytest.raises(psycopg.errors.RestrictViolation) as refused:
        conn.execute(statement, params)
    conn.rollback()
    return str(refused.value)


@pytest.mark.parametrize(
    ("table", "columns", "values"),
    [
        (
            "concerns_bodymapmark",
            "incident_id, side, x, y, kind, note",
            "%(incident)s, 'front', 1, 1, 'bruise', ''",
        ),
        (
            "concerns_linkedpupil",
            "incident_id, pupil_id, role",
            "%(incident)s, %(other)s, 'witness'",
        ),
        ("concerns_incidentagency", "incident_id, agency_id", "%(incident)s, %(agency)s"),
        (
            "concerns_attachment",
            "incident_id, file, name, content_type, size, sha256, uploaded_by_id, uploaded_at",
            "%(incident)s, 'attachments/x', 'x.txt', 'text/plain', 1, '', %(dsl)s, now()",
        ),
    ],
)
def test_nothing_joins_a_submitted_incident_later(committed, sql, table, columns, values):
    message = _refused(sql, f"INSERT INTO {table} ({columns}) VALUES ({values})", committed)
    assert "cannot join it later" in message or "only as it is recorded" in message


def test_its_categories_change_only_beside_a_recorded_re_categorisation(committed, sql):
    add = "INSERT INTO concerns_incidentcategory (incident_id, category_id) VALUES (%s, %s)"
    assert "recorded re-categorisation" in _refused(
        sql, add, (committed["incident"], committed["bullying"])
    )
    assert "recorded re-categorisation" in _refused(
        sql,
        "DELETE FROM concerns_incidentcategory WHERE incident_id = %s",
        (committed["incident"],),
    )
    sql.execute(
        "INSERT INTO concerns_incidentchange (incident_id, kind, before, after, reason,"
        " changed_by_id, changed_at) VALUES (%s, 'categories', '[]', '[]', 'probe', %s, now())",
        (committed["incident"], committed["dsl"]),
    )
    sql.execute(add, (committed["incident"], committed["bullying"]))  # allowed beside it
    sql.rollback()


@pytest.mark.parametrize(
    ("assignment", "kind"),
    [("status = 'closed'", "status"), ("risk = 'high'", "risk"), ("names_hidden = true", "names")],
)
def test_status_risk_and_names_change_only_beside_their_record(committed, sql, assignment, kind):
    update = f"UPDATE concerns_incident SET {assignment} WHERE id = %s"
    assert "only with a recorded change" in _refused(sql, update, (committed["incident"],))
    sql.execute(
        "INSERT INTO concerns_incidentchange (incident_id, kind, before, after, reason,"
        " changed_by_id, changed_at) VALUES (%s, %s, '{}', '{}', 'probe', %s, now())",
        (committed["incident"], kind, committed["dsl"]),
    )
    sql.execute(update, (committed["incident"],))  # allowed beside its record
    sql.rollback()


def test_a_change_recorded_in_an_earlier_transaction_does_not_open_the_incident(committed, sql):
    sql.execute(
        "INSERT INTO concerns_incidentchange (incident_id, kind, before, after, reason,"
        " changed_by_id, changed_at) VALUES (%s, 'status', '{}', '{}', 'old', %s, now())",
        (committed["incident"], committed["dsl"]),
    )
    sql.commit()
    assert "only with a recorded change" in _refused(
        sql,
        "UPDATE concerns_incident SET status = 'closed' WHERE id = %s",
        (committed["incident"],),
    )


def _in_a_thread(work):
    """Run `work` on a connection of its own, committing as the app does outside tests;
    returns a join() that gives what it returned or raised."""
    outcome: list = []

    def run() -> None:
        try:
            with School.objects.get(slug=SLUG):
                outcome.append(work())
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(timeout=30)
        assert not thread.is_alive(), "the thread did not finish"
        return outcome[0]

    return join


def test_an_incident_whose_category_is_deleted_as_it_commits_is_refused_whole(committed, sql):
    def dsl():
        return verified_viewer(User.objects.get(pk=committed["dsl"]))

    category = _in_a_thread(
        lambda: add_category(viewer=dsl(), name="Raced", standard="mental_health").pk
    )()
    sql.execute("DELETE FROM concerns_category WHERE id = %s", (category,))  # not yet committed
    recorded = _in_a_thread(
        lambda: record_incident(
            viewer=dsl(),
            pupil_id=committed["other"],
            text="Raced.",
            category_ids=[category],
            occurred_at=timezone.now(),
        )
    )
    with psycopg.connect(url_of_test_database(), autocommit=True) as watcher:
        for _ in range(100):  # until the incident's commit waits on the deleted category
            if watcher.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the incident never waited for the category")
    sql.commit()
    refused = recorded()
    assert isinstance(refused, Invalid), refused
    assert "removed while you were writing" in refused.errors[NON_FIELD][0]
    count = "SELECT count(*) FROM concerns_incident WHERE text = 'Raced.'"
    assert sql.execute(count).fetchone()[0] == 0
