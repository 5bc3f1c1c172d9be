"""Submitted records cannot be changed or deleted, even by raw SQL from the application."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from safeguarding.concerns.models import Agency, Category, Incident
from safeguarding.concerns.services import (
    Link,
    Mark,
    Upload,
    add_action,
    complete_action,
    record_incident,
    set_status,
)
from tenants.services import onboard_school
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import verified_viewer


@pytest.fixture
def recorded(abbey):
    """An incident at Abbey with a row in every table that holds what was submitted: a
    linked pupil, a body-map mark, an agency, a file, an alert, an action with an assignee,
    its completion and a DSL's change."""
    with abbey:
        form = GroupFactory(kind="form")
        teacher = verified_viewer(StaffFactory(groups=[form]))
        dsl = verified_viewer(StaffFactory(role="Safeguarding team"))
        incident = record_incident(
            viewer=teacher,
            pupil_id=PupilFactory(form=form).pk,
            text="Came in upset; said she slept in the car.",
            category_ids=[Category.objects.get(name="Cause for Concern").pk],
            occurred_at=timezone.now(),
            links=[Link(pupil_id=PupilFactory(form=form).pk, role="witness")],
            marks=[Mark(side="front", x=500, y=300, kind="bruise", note="Left forearm")],
            agency_ids=[Agency.objects.get(name="Police").pk],
            alert_user_ids=[dsl.user.pk],
            uploads=[Upload(file=BytesIO(b"Notes from the conversation.\n"), name="notes.txt")],
        )
        action = add_action(
            viewer=teacher,
            incident_id=incident.pk,
            kind="note",
            text="Told the DSL.",
            assignee_id=dsl.user.pk,
        )
        complete_action(viewer=dsl, action_id=action.pk, note="Seen")
        set_status(viewer=dsl, incident_id=incident.pk, status="nfa", reason="Monitoring ends")
    return incident


def _refused(sql: str, params=()) -> str:
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Run the deferred foreign-key checks this test's own inserts queued, which would
        # otherwise make PostgreSQL refuse a TRUNCATE before our trigger is asked.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)
    return str(refused.value)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("text", "'Rewritten'"),
        ("occurred_at", "now() - interval '1 day'"),
        ("pupil_id", "pupil_id + 1"),
        ("recorded_by_id", "recorded_by_id + 1"),
        ("recorded_at", "now()"),
    ],
)
def test_raw_sql_cannot_change_a_submitted_incidents_protected_columns(
    abbey, recorded, column, value
):
    with abbey:
        message = _refused(
            f"UPDATE concerns_incident SET {column} = {value} WHERE id = %s", [recorded.pk]
        )
        assert "cannot change" in message
        assert Incident.objects.get(pk=recorded.pk).text.startswith("Came in upset")


def test_raw_sql_cannot_delete_or_truncate_incidents(abbey, recorded):
    with abbey:
        assert "DELETE is not allowed" in _refused(
            "DELETE FROM concerns_incident WHERE id = %s", [recorded.pk]
        )
        assert "TRUNCATE is not allowed" in _refused("TRUNCATE concerns_incident CASCADE")
        assert Incident.objects.filter(pk=recorded.pk).exists()


@pytest.mark.parametrize(
    "table",
    [
        "concerns_action",
        "concerns_incidentchange",
        "concerns_bodymapmark",
        "concerns_linkedpupil",
        "concerns_incidentagency",
        "concerns_attachment",
        "concerns_actioncompletion",
        "access_incidentgrant",
    ],
)
def test_append_only_tables_refuse_update_delete_and_truncate(abbey, recorded, table):
    with abbey:
        assert "UPDATE is not allowed" in _refused(f"UPDATE {table} SET id = id")
        assert "DELETE is not allowed" in _refused(f"DELETE FROM {table}")
        assert "TRUNCATE is not allowed" in _refused(f"TRUNCATE {table} CASCADE")


def test_dsl_changes_go_through_while_protected_columns_stay(abbey, recorded):
    with abbey:
        dsl = verified_viewer(StaffFactory(role="Safeguarding team"))
        set_status(viewer=dsl, incident_id=recorded.pk, status="closed", reason="Resolved")
        incident = Incident.objects.get(pk=recorded.pk)
        assert incident.status == "closed"
        assert incident.changes.last().after == {"status": "closed"}
        assert "UPDATE is not allowed" in _refused(
            "UPDATE concerns_incidentchange SET reason = 'x'"
        )


def test_a_school_onboarded_later_is_protected_too(db):
    school = onboard_school(slug="latecomer", name="Latecomer", admin_email="d@late.example").school
    with school:
        incident = record_incident(
            viewer=verified_viewer(StaffFactory(role="SLT")),
            pupil_id=PupilFactory().pk,
            text="Bruise on arm.",
            category_ids=[Category.objects.get(name="Injury/Bruise").pk],
            occurred_at=timezone.now(),
        )
        assert "cannot change" in _refused(
            "UPDATE concerns_incident SET text = 'gone' WHERE id = %s", [incident.pk]
        )
