"""The nightly purge: what a DSL confirmed goes, whole and only that; the log keeps counts."""

from __future__ import annotations

import datetime
import json

from django.core.files.storage import default_storage
from django.utils import timezone

from safeguarding.alerts.models import Notification
from safeguarding.audit.models import AuditEvent
from safeguarding.concerns.models import Action, Attachment, Incident, LinkedPupil
from safeguarding.people.models import Pupil
from safeguarding.records.models import SubjectAccessRequest
from safeguarding.retention import services
from safeguarding.retention.models import ForgottenFile, LegalHold, RetentionReview
from tests.safeguarding.retention.helpers import confirmed_review
from tests.sessions import verified_viewer


def test_a_confirmed_review_is_purged_by_the_nightly_run(
    abbey, leaver, django_capture_on_commit_callbacks
):
    lena = leaver["lena"]
    with abbey:
        stored = Attachment.objects.get(incident=leaver["about_lena"]).file.name
        assert default_storage.exists(stored)
        review = confirmed_review(lena, leaver["dsl"])
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.nightly()
        assert outcome["purged"] == 1
        assert not Incident.objects.filter(pupil=lena).exists()
        assert not Action.objects.filter(incident_id=leaver["about_lena"].pk).exists()
        assert not Attachment.objects.filter(incident_id=leaver["about_lena"].pk).exists()
        assert not Notification.objects.filter(incident_id=leaver["about_lena"].pk).exists()
        assert not SubjectAccessRequest.objects.filter(pupil_id=lena.pk).exists()
        assert not default_storage.exists(stored)
        assert not ForgottenFile.objects.exists()
        review.refresh_from_db()
        assert review.decision == "purged"
        assert (review.incidents, review.actions, review.files) == (1, 1, 1)


def test_other_pupils_records_are_untouched_including_those_naming_the_purged_child(abbey, leaver):
    with abbey:
        confirmed_review(leaver["lena"], leaver["dsl"])
        services.purge_confirmed()
        assert Incident.objects.filter(pk=leaver["about_nico"].pk).exists()
        assert Incident.objects.filter(pk=leaver["about_oscar"].pk).exists()
        # Oscar's incident names Lena as a witness: that record keeps her, and her row.
        assert LinkedPupil.objects.filter(
            incident=leaver["about_oscar"], pupil=leaver["lena"]
        ).exists()
        assert Pupil.objects.filter(pk=leaver["lena"].pk).exists()


def test_a_child_named_nowhere_else_goes_entirely(abbey, leaver):
    from tests.factories import PupilFactory

    with abbey:
        from safeguarding.concerns.models import Category
        from safeguarding.concerns.services import record_incident

        today = timezone.localdate()
        solo = PupilFactory(date_of_birth=today.replace(year=today.year - 30, day=1))
        record_incident(
            viewer=verified_viewer(leaver["dsl"]), pupil_id=solo.pk,
            category_ids=[Category.objects.get(name="Attendance").pk],
            text="Missed a week.", occurred_at=timezone.now() - datetime.timedelta(days=3),
        )  # fmt: skip
        Pupil.objects.filter(pk=solo.pk).update(leaving_date=today - datetime.timedelta(days=1))
        confirmed_review(solo, leaver["dsl"])
        services.purge_confirmed()
        assert not Pupil.objects.filter(pk=solo.pk).exists()
        review = RetentionReview.objects.get(pupil_ref=solo.pk)
        assert review.decision == "purged" and review.pupil_id is None


def test_the_purge_leaves_an_audit_entry_with_counts_and_no_content(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        services.purge_confirmed()
        entry = AuditEvent.objects.get(action="retention_purged")
        assert entry.pupil_id == leaver["lena"].pk
        assert entry.object_id == review.pk
        detail = json.loads(entry.detail)
        assert detail == {
            "actions": 1, "confirmed_by": leaver["dsl"].pk, "files": 1, "incidents": 1,
            "pupil_kept": True,
        }  # fmt: skip
        row = " ".join(
            str(value) for value in AuditEvent.objects.filter(pk=entry.pk).values().get().values()
        )
        for secret in ("Lena", "Leaver", "upset", "lena.txt"):
            assert secret not in row


def test_a_legal_hold_placed_after_confirmation_stops_the_purge(abbey, leaver):
    with abbey:
        confirmed_review(leaver["lena"], leaver["dsl"])
        services.place_hold(
            viewer=verified_viewer(leaver["dsl"]), pupil_id=leaver["lena"].pk, reason="Police"
        )
        assert services.purge_confirmed() == 0
        assert Incident.objects.filter(pupil=leaver["lena"]).count() == 1
        assert RetentionReview.objects.get().decision == "confirmed"


def test_releasing_the_hold_lets_the_next_run_purge(abbey, leaver):
    with abbey:
        confirmed_review(leaver["lena"], leaver["dsl"])
        viewer = verified_viewer(leaver["dsl"])
        hold = services.place_hold(viewer=viewer, pupil_id=leaver["lena"].pk, reason="Police")
        services.release_hold(viewer=viewer, hold_id=hold.pk, reason="Case closed")
        assert services.purge_confirmed() == 1
        assert not LegalHold.objects.filter(pupil_id=leaver["lena"].pk).exists()


def test_a_withdrawn_confirmation_purges_nothing(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        services.cancel(viewer=verified_viewer(leaver["dsl"]), review_id=review.pk)
        assert services.purge_confirmed() == 0
        assert Incident.objects.filter(pupil=leaver["lena"]).exists()


def test_a_pupil_no_longer_due_under_a_changed_rule_is_kept_not_purged(abbey, leaver):
    with abbey:
        confirmed_review(leaver["lena"], leaver["dsl"])
        services.save_settings(viewer=verified_viewer(leaver["dsl"]), basis="birthday", years="30")
        assert services.purge_confirmed() == 0
        review = RetentionReview.objects.get()
        assert review.decision == "kept"
        born = leaver["lena"].date_of_birth
        assert review.keep_until == born.replace(year=born.year + 30)
        assert Incident.objects.filter(pupil=leaver["lena"]).exists()


def test_a_file_storage_refuses_to_delete_is_retried_on_the_next_run(abbey, leaver, monkeypatch):
    with abbey:
        stored = Attachment.objects.get(incident=leaver["about_lena"]).file.name
        confirmed_review(leaver["lena"], leaver["dsl"])

        def refuse(name):
            raise OSError("storage unreachable")

        monkeypatch.setattr(default_storage, "delete", refuse)
        services.purge_confirmed()
        assert ForgottenFile.objects.get().attempts == 1
        monkeypatch.undo()
        assert default_storage.exists(stored)
        assert services.forget_files() == 1
        assert not default_storage.exists(stored)
        assert not ForgottenFile.objects.exists()
