"""What an incident was submitted with cannot be added to or taken from it afterwards, and
a DSL's changes go through only with their record. These need real, separate transactions,
so they run on a school committed for the purpose and a connection of their own."""

from __future__ import annotations

import psycopg
import pytest
from django.utils import timezone

from safeguarding.access.policy import viewer_for
from safeguarding.concerns.models import Agency, Category
from safeguarding.concerns.services import record_incident
from tenants.models import School
from tenants.schemas import drop_schema
from tenants.services import onboard_school
from tests.databases import url_of_test_database
from tests.factories import PupilFactory, StaffFactory

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
                viewer=viewer_for(dsl),
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
