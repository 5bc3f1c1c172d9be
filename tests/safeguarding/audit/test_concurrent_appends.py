"""Writers in separate transactions still form one chain: each waits for the one before it
to commit and then follows it. These need real, committed transactions, so they run on a
school committed for the purpose and connections of their own."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, transaction

from safeguarding.audit.models import AuditAction, AuditEvent
from safeguarding.audit.services import record
from safeguarding.audit.verify import verify_school_log
from tenants.models import School
from tenants.schemas import drop_schema
from tenants.services import onboard_school
from tests.databases import url_of_test_database

SLUG = "audit-race"
SCHEMA = SLUG.replace("-", "_")
pytestmark = pytest.mark.django_db  # so the test database exists when this module runs alone

AUDIT_LOCK = 1096107092  # the chain's advisory lock key ("AUDT"), audit migration 0002
INSERT = (
    "INSERT INTO audit_auditevent (actor_label, action, object_type, user_agent, request_id,"
    " detail) VALUES (%s, 'export', '', '', '', '{}') RETURNING seq, prev_hash, hash"
)


@pytest.fixture(scope="module")
def school(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        school = onboard_school(slug=SLUG, name="Audit Race", admin_email="d@ar.example").school
        yield school
        drop_schema(school.schema_name)
        School.objects.filter(pk=school.pk).delete()


def _connect() -> psycopg.Connection:
    conn = psycopg.connect(url_of_test_database())
    conn.execute(f'SET search_path = "{SCHEMA}", public')
    conn.commit()
    return conn


def test_a_writer_waits_for_the_open_one_and_follows_it(school):
    with _connect() as first, _connect() as second, _connect() as watcher:
        first_row = first.execute(INSERT, ("first@ar.example",)).fetchone()  # not committed
        outcome: list = []
        thread = threading.Thread(
            target=lambda: outcome.append(second.execute(INSERT, ("second@ar.example",)).fetchone())
        )
        thread.start()
        for _ in range(100):
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND classid = %s AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())",
                (AUDIT_LOCK,),
            ).fetchone()[0]
            watcher.rollback()
            if waiting:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second writer never waited for the first")
        assert not outcome
        first.commit()
        thread.join(timeout=10)
        second.commit()
    second_seq, second_prev, _ = outcome[0]
    assert second_seq == first_row[0] + 1
    assert second_prev == first_row[2]


def test_many_writers_at_once_form_one_unbroken_chain(school):
    with school:
        before = AuditEvent.objects.count()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with School.objects.get(slug=SLUG):
                for i in range(10):
                    with transaction.atomic():
                        record(
                            action=AuditAction.PUPIL_VIEWED,
                            actor_label=f"writer{n}@ar.example",
                            pupil_id=i,
                        )
                        time.sleep(0.002)  # hold the chain so the others queue behind
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with school:
        seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
        report = verify_school_log()
    assert seqs == list(range(1, before + 61))
    assert report.intact and report.entries == before + 60
