"""Appending to a school's audit log: one INSERT, numbered and chained by the database."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from safeguarding.audit.models import GENESIS_HASH, AuditAction, AuditEvent
from safeguarding.audit.services import record
from safeguarding.audit.verify import HASHED_FIELDS, entry_hash, verify_school_log
from tests.factories import StaffFactory


def _request(user=None, **meta):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", **meta)
    if user is not None:
        request.user = user
    return request


def test_events_are_numbered_and_each_points_at_the_one_before(abbey):
    with abbey:
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
        first = record(action=AuditAction.LOGIN, actor=dsl)
        second = record(
            action=AuditAction.INCIDENT_VIEWED, actor=dsl, object_type="incident", object_id=4
        )
        third = record(action=AuditAction.LOGOUT, actor=dsl)
        assert [first.seq, second.seq, third.seq] == [1, 2, 3]
        assert first.prev_hash == GENESIS_HASH
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        assert len({first.hash, second.hash, third.hash}) == 3
        assert verify_school_log().entries == 3


def test_the_database_hash_is_the_one_python_recomputes(abbey):
    with abbey:
        event = record(
            action=AuditAction.LOGIN_FAILED,
            actor_label="Someone@Example.org",
            request=_request(HTTP_USER_AGENT="Firefox; 1:2"),
            detail={"reason": "unknown_email", "attempt": 3, "locked": False},
        )
        row = AuditEvent.objects.values_list(*HASHED_FIELDS, "hash").get(pk=event.pk)
    assert entry_hash(row[:-1]) == row[-1] == event.hash
    assert row[HASHED_FIELDS.index("ip")] == "192.0.2.7"


def test_who_where_and_what_come_from_the_request(abbey):
    with abbey:
        teacher = StaffFactory(email="Tess@Abbey.example")
        event = record(
            action=AuditAction.PUPIL_VIEWED,
            object_type="pupil",
            object_id=12,
            pupil_id=12,
            request=_request(
                teacher, HTTP_USER_AGENT="Mozilla/5.0\x00\n" + "x" * 500, HTTP_X_REQUEST_ID="r-1"
            ),
            detail={"chronology": True},
        )
        event.refresh_from_db()
    assert event.actor_id == teacher.pk
    assert event.actor_label == "tess@abbey.example"
    assert event.ip == "192.0.2.7"
    assert event.user_agent.startswith("Mozilla/5.0x") and len(event.user_agent) == 200
    assert event.request_id == "r-1"
    assert event.detail == '{"chronology":true}'
    assert event.occurred_at is not None


def test_recording_is_a_single_insert(abbey):
    with abbey:
        teacher = StaffFactory()
        request = _request(teacher)
        with CaptureQueriesContext(connection) as queries:
            event = record(action=AuditAction.PUPIL_VIEWED, pupil_id=3, request=request)
        statements = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(statements) == 1 and statements[0].startswith("INSERT")
    assert event.seq >= 1 and len(event.hash) == 64  # returned by the same statement


def test_detail_is_stored_as_canonical_json(abbey):
    with abbey:
        event = record(
            action=AuditAction.INCIDENT_CHANGED, detail={"to": [3, 1], "from": None, "b": "nfa"}
        )
    assert event.detail == '{"b":"nfa","from":null,"to":[3,1]}'
    assert json.loads(event.detail) == event.details


@pytest.mark.parametrize(
    "detail",
    [
        {"note": "Amara said she was hit"},
        {"name": "Amara"},
        {"text": "x" * 41},
        {"Bad Key": 1},
        {"ids": list(range(51))},
        {"nested": {"a": 1}},
        {"ratio": 0.5},
        {"ids": ["fine", "Not fine"]},
    ],
)
def test_text_in_the_detail_is_refused_and_nothing_is_written(abbey, detail):
    with abbey:
        before = AuditEvent.objects.count()
        with pytest.raises(ValueError) as refused:
            record(action=AuditAction.EXPORT, detail=detail)
        assert AuditEvent.objects.count() == before
    assert "Amara" not in str(refused.value)


@pytest.mark.parametrize(
    "arguments",
    [
        {"action": "pupil_peeked"},
        {"action": "export", "object_type": "Pupil Amara"},
        {"action": "export", "object_id": "12"},
        {"action": "export", "pupil_id": True},
    ],
)
def test_unknown_actions_and_malformed_ids_are_refused(abbey, arguments):
    with abbey, pytest.raises(ValueError):
        record(**arguments)


def test_the_platform_schema_has_no_audit_log_and_records_nothing(db):
    assert record(action=AuditAction.LOGIN, actor_label="operator@haven.example") is None


def test_a_failed_sign_in_by_someone_unknown_keeps_only_the_email_typed(abbey):
    with abbey:
        event = record(
            action=AuditAction.LOGIN_FAILED,
            actor_label="  Nobody@Example.ORG\u202e ",
            request=_request(AnonymousUser()),
        )
    assert event.actor_id is None
    assert event.actor_label == "nobody@example.org"
    assert event.ip == "192.0.2.7"
