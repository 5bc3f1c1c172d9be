"""A subject access request is kept as recorded, in the database itself: released once,
then never changed, and never deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from safeguarding.records.models import SubjectAccessRequest
from tests.safeguarding.records.sar_case import build_sar_case, new_request, release
from tests.sessions import signed_in

TABLE = SubjectAccessRequest._meta.db_table


@pytest.fixture
def sar_case(abbey):
    with abbey:
        return build_sar_case()


def _a_request(abbey, case, *, released: bool) -> SubjectAccessRequest:
    client = signed_in(abbey, case.dsl)
    new_request(client, case.amara.pk)
    with abbey:
        sar = SubjectAccessRequest.objects.get()
    if released:
        assert release(client, sar.pk).status_code == 200
    return sar


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
    "change",
    ["released_file = 'x'", "released_at = now()", "released_by_id = NULL", "status = 'draft'"],
)
def test_a_released_request_cannot_be_changed(abbey, sar_case, change):
    sar = _a_request(abbey, sar_case, released=True)
    with abbey:
        message = _refused(f"UPDATE {TABLE} SET {change} WHERE id = %s", [sar.pk])
        assert "released once, and then never changes" in message
        assert SubjectAccessRequest.objects.get().is_released


@pytest.mark.parametrize(
    "change",
    [
        "pupil_id = pupil_id + 1",
        "received_on = '2020-01-01'",
        "staff_as_initials = NOT staff_as_initials",
    ],
)
def test_a_draft_cannot_be_changed(abbey, sar_case, change):
    sar = _a_request(abbey, sar_case, released=False)
    with abbey:
        message = _refused(f"UPDATE {TABLE} SET {change} WHERE id = %s", [sar.pk])
        assert "released once, and then never changes" in message


def test_no_request_can_be_deleted(abbey, sar_case):
    sar = _a_request(abbey, sar_case, released=True)
    with abbey:
        assert "DELETE is not allowed" in _refused(f"DELETE FROM {TABLE} WHERE id = %s", [sar.pk])
        assert "TRUNCATE is not allowed" in _refused(f"TRUNCATE {TABLE} CASCADE")
        assert SubjectAccessRequest.objects.filter(pk=sar.pk).exists()


def test_a_release_records_who_when_and_the_file_or_nothing(abbey, sar_case):
    sar = _a_request(abbey, sar_case, released=False)
    with abbey, pytest.raises(IntegrityError), transaction.atomic():
        SubjectAccessRequest.objects.filter(pk=sar.pk).update(
            status="released", released_at=timezone.now()
        )
    with abbey:
        assert SubjectAccessRequest.objects.get().status == "draft"
