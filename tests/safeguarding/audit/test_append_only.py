"""The audit log refuses UPDATE, DELETE and TRUNCATE, even as raw SQL from the application,
in every school, including one onboarded after the migration."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from safeguarding.audit.models import AuditAction, AuditEvent
from safeguarding.audit.services import record
from safeguarding.audit.verify import verify_school_log
from tenants.services import onboard_school


def _refused(sql: str) -> str:
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The deferred foreign-key checks of the test's own inserts would make PostgreSQL
        # refuse a TRUNCATE before the trigger is asked.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    return str(refused.value)


@pytest.fixture
def logged(abbey):
    with abbey:
        record(action=AuditAction.LOGIN, actor_label="lead@abbey.example")
        record(action=AuditAction.PUPIL_VIEWED, object_type="pupil", object_id=1, pupil_id=1)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET object_id = 99",
        "UPDATE audit_auditevent SET hash = hash",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_raw_sql_cannot_change_or_remove_entries(abbey, logged, sql):
    with abbey:
        assert "The audit log is append-only" in _refused(sql)
        assert AuditEvent.objects.count() == 2
        assert verify_school_log().intact


def test_an_insert_cannot_choose_its_own_place_in_the_chain(abbey, logged):
    with abbey, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (seq, prev_hash, hash, actor_label, action,"
            " object_type, user_agent, request_id, detail)"
            " VALUES (1, 'forged', 'forged', '', 'export', '', '', '', '{}') RETURNING seq, hash"
        )
        seq, hash_ = cursor.fetchone()
        assert seq == 3 and hash_ != "forged"
        assert verify_school_log().entries == 3


def test_a_school_onboarded_later_has_the_triggers_too(db):
    school = onboard_school(slug="late-audit", name="Late Audit", admin_email="d@la.example").school
    with school:
        first = record(action=AuditAction.LOGIN, actor_label="d@la.example")
        second = record(action=AuditAction.LOGOUT, actor_label="d@la.example")
        assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
        assert "The audit log is append-only" in _refused("DELETE FROM audit_auditevent")
        assert "The audit log is append-only" in _refused("TRUNCATE audit_auditevent")
        assert verify_school_log().entries == 2


def test_an_entry_cannot_be_backdated(abbey):
    with abbey, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (seq, occurred_at, actor_label, action, object_type,"
            " user_agent, request_id, detail, prev_hash, hash)"
            " VALUES (0, '2001-01-01', '', 'login', '', '', '', '{}', '', '') RETURNING occurred_at"
        )
        (when,) = cursor.fetchone()
    assert when.year >= 2026
