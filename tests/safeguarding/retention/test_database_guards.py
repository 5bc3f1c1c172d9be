"""The database itself decides what a purge may delete: nothing without a Purge of that
child in the same transaction, and no Purge without a DSL's confirmation or under a hold."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from safeguarding.concerns.models import Action, Incident, LinkedPupil
from safeguarding.retention import services
from safeguarding.retention.models import LegalHold, Purge, RetentionReview
from tests.safeguarding.retention.helpers import confirmed_review


def _refused(sql: str, params=()) -> str:
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(refused.value)


def test_an_incident_cannot_be_deleted_without_a_purge(abbey, leaver):
    with abbey:
        message = _refused("DELETE FROM concerns_incident WHERE id = %s", [leaver["alone"].pk])
        assert "not allowed" in message
        assert Incident.objects.filter(pk=leaver["alone"].pk).exists()
        _refused("DELETE FROM concerns_action WHERE incident_id = %s", [leaver["alone"].pk])
        assert Action.objects.filter(incident=leaver["alone"]).exists()


def test_a_purge_cannot_be_recorded_for_a_review_no_dsl_confirmed(abbey, leaver):
    with abbey:
        services.list_due()
        review = RetentionReview.objects.get(pupil=leaver["lena"])
        message = _refused(
            "INSERT INTO retention_purge (pupil_id, review_id, purged_at) VALUES (%s, %s, now())",
            [leaver["lena"].pk, review.pk],
        )
        assert "confirmed the review" in message
        assert not Purge.objects.exists()


def test_a_purge_cannot_be_recorded_while_a_legal_hold_is_in_place(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        LegalHold.objects.create(
            pupil=leaver["lena"], reason="Police inquiry", placed_by=leaver["dsl"]
        )
        message = _refused(
            "INSERT INTO retention_purge (pupil_id, review_id, purged_at) VALUES (%s, %s, now())",
            [leaver["lena"].pk, review.pk],
        )
        assert "legal hold" in message


def test_a_confirmed_review_of_one_child_cannot_authorise_deleting_another(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        nico_incident = leaver["about_nico"].pk
        with pytest.raises(DatabaseError), transaction.atomic():
            Purge.objects.create(pupil_id=leaver["lena"].pk, review=review)
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM concerns_incident WHERE id = %s", [nico_incident])
        assert Incident.objects.filter(pk=nico_incident).exists()
        # Nor a Purge naming Nico against Lena's review.
        _refused(
            "INSERT INTO retention_purge (pupil_id, review_id, purged_at) VALUES (%s, %s, now())",
            [leaver["nico"].pk, review.pk],
        )


def test_a_purge_row_always_carries_the_transaction_that_wrote_it(abbey, leaver):
    """So a row cannot be written ahead for a later transaction, after its hold check."""
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO retention_purge (pupil_id, review_id, purged_at, recorded_xid)"
                " VALUES (%s, %s, '2001-01-01', 1) RETURNING recorded_xid, purged_at",
                [leaver["lena"].pk, review.pk],
            )
            xid, purged_at = cursor.fetchone()
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            assert xid == cursor.fetchone()[0]
            assert purged_at.year > 2001


def test_a_purge_never_removes_a_held_pupils_link_from_an_incident(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        LegalHold.objects.create(pupil=leaver["nico"], reason="Inquiry", placed_by=leaver["dsl"])
        with pytest.raises(DatabaseError), transaction.atomic():
            Purge.objects.create(pupil_id=leaver["lena"].pk, review=review)
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM concerns_linkedpupil WHERE incident_id = %s",
                    [leaver["about_lena"].pk],
                )
        assert LinkedPupil.objects.filter(incident=leaver["about_lena"]).exists()


def test_a_purge_row_never_changes(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        Purge.objects.create(pupil_id=leaver["lena"].pk, review=review)
        message = _refused(
            "UPDATE retention_purge SET pupil_id = 0 WHERE review_id = %s", [review.pk]
        )
        assert "not allowed" in message
        message = _refused("DELETE FROM retention_purge WHERE review_id = %s", [review.pk])
        assert "not allowed" in message


def test_the_audit_log_is_never_deleted_even_in_a_purge(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        with pytest.raises(DatabaseError), transaction.atomic():
            Purge.objects.create(pupil_id=leaver["lena"].pk, review=review)
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM audit_auditevent WHERE pupil_id = %s", [leaver["lena"].pk]
                )
