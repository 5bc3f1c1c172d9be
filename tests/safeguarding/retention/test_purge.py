"""The nightly purge: what a DSL confirmed goes, whole and only that; the log keeps counts."""

from __future__ import annotations

import datetime
import json

from django.core.files.storage import default_storage
from django.utils import timezone

from safeguarding.alerts.models import Notification
from safeguarding.audit.models import AuditEvent
from safeguarding.concerns.models import Action, Attachment, Incident, LinkedPupil
from safeguarding.people.models import Guardian, Pupil
from safeguarding.records.models import SubjectAccessRequest
from safeguarding.retention import services
from safeguarding.retention.models import ForgottenFile, RetentionReview
from tests.safeguarding.retention.helpers import confirmed_review
from tests.sessions import verified_viewer


def _gone_from_roll(pupil, *, age: int = 26) -> None:
    today = timezone.localdate()
    Pupil.objects.filter(pk=pupil.pk).update(
        date_of_birth=datetime.date(today.year - age, 1, 1),
        leaving_date=today - datetime.timedelta(days=5),
    )


def test_a_confirmed_review_is_purged_by_the_nightly_run(
    abbey, leaver, django_capture_on_commit_callbacks
):
    lena, alone = leaver["lena"], leaver["alone"]
    with abbey:
        stored = Attachment.objects.get(incident=alone).file.name
        assert default_storage.exists(stored)
        review = confirmed_review(lena, leaver["dsl"])
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.nightly()
        assert outcome["purged"] == 1
        assert not Incident.objects.filter(pk=alone.pk).exists()
        assert not Action.objects.filter(incident_id=alone.pk).exists()
        assert not Attachment.objects.filter(incident_id=alone.pk).exists()
        assert not Notification.objects.filter(incident_id=alone.pk).exists()
        assert not SubjectAccessRequest.objects.filter(pupil_id=lena.pk).exists()
        assert not default_storage.exists(stored)
        assert not ForgottenFile.objects.exists()
        review.refresh_from_db()
        assert review.decision == "purged"
        assert (review.incidents, review.actions, review.files) == (1, 1, 1)


def test_an_incident_naming_a_child_still_within_the_rule_stays_whole(abbey, leaver):
    with abbey:
        confirmed_review(leaver["lena"], leaver["dsl"])
        services.purge_confirmed()
        # Nico is on roll: the incident about Lena that names him is his record too.
        assert Incident.objects.filter(pk=leaver["about_lena"].pk).exists()
        assert LinkedPupil.objects.filter(
            incident=leaver["about_lena"], pupil=leaver["nico"]
        ).exists()
        assert Incident.objects.filter(pk=leaver["about_nico"].pk).exists()
        assert Incident.objects.filter(pk=leaver["about_oscar"].pk).exists()
        assert Pupil.objects.filter(pk=leaver["lena"].pk).exists()
        # Nothing more of Lena's can go yet, so she is not listed again night after night.
        assert services.list_due() == 0


def test_once_the_named_child_is_due_too_the_rest_goes_and_the_former_pupil_with_it(abbey, leaver):
    from tests.factories import PupilFactory

    with abbey:
        stays = PupilFactory()
        confirmed_review(leaver["lena"], leaver["dsl"])
        services.purge_confirmed()
        _gone_from_roll(leaver["nico"])
        _gone_from_roll(leaver["oscar"])
        Guardian.objects.create(pupil=leaver["lena"], name="Gail Leaver", relationship="Mother")
        assert services.list_due() == 3  # Lena again, Nico and Oscar
        for pupil in (leaver["lena"], leaver["nico"], leaver["oscar"]):
            review = RetentionReview.objects.get(pupil=pupil, decision="pending")
            services.confirm(
                viewer=verified_viewer(leaver["dsl"]), review_id=review.pk, understood=True
            )
        assert services.purge_confirmed() == 3
        for key in ("about_lena", "about_nico", "about_oscar"):
            assert not Incident.objects.filter(pk=leaver[key].pk).exists()
        assert not Pupil.objects.filter(
            pk__in=[leaver[key].pk for key in ("lena", "nico", "oscar")]
        ).exists()
        assert not Guardian.objects.filter(name="Gail Leaver").exists()
        assert Pupil.objects.filter(pk=stays.pk).exists()  # the rest of the roll is untouched


def test_a_former_pupil_named_only_in_anothers_record_keeps_just_their_name(abbey, leaver):
    with abbey:
        Guardian.objects.create(pupil=leaver["lena"], name="Gail Leaver", relationship="Mother")
        _gone_from_roll(leaver["nico"])
        services.list_due()
        for pupil in (leaver["lena"], leaver["nico"]):
            review = RetentionReview.objects.get(pupil=pupil)
            services.confirm(
                viewer=verified_viewer(leaver["dsl"]), review_id=review.pk, understood=True
            )
        services.purge_confirmed()
        # Oscar, on roll, has an incident naming Lena as a witness: it keeps her name only.
        lena = Pupil.objects.get(pk=leaver["lena"].pk)
        assert lena.full_name == "Lena Leaver"
        assert not lena.guardians.exists()
        assert Incident.objects.filter(pk=leaver["about_oscar"].pk).exists()


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
            "incidents_kept": 1, "pupil_kept": True,
        }  # fmt: skip
        row = " ".join(
            str(value) for value in AuditEvent.objects.filter(pk=entry.pk).values().get().values()
        )
        for secret in ("Lena", "Leaver", "upset", "lena.txt"):
            assert secret not in row


def test_a_legal_hold_placed_after_confirmation_withdraws_it(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        viewer = verified_viewer(leaver["dsl"])
        hold = services.place_hold(viewer=viewer, pupil_id=leaver["lena"].pk, reason="Police")
        assert services.purge_confirmed() == 0
        review.refresh_from_db()
        assert review.decision == "pending"
        services.release_hold(viewer=viewer, hold_id=hold.pk, reason="Case closed")
        # The old confirmation does not come back with the hold's end: a DSL decides again.
        assert services.purge_confirmed() == 0
        assert Incident.objects.filter(pupil=leaver["lena"]).count() == 2
        services.confirm(viewer=viewer, review_id=review.pk, understood=True)
        assert services.purge_confirmed() == 1


def test_a_withdrawn_confirmation_purges_nothing(abbey, leaver):
    with abbey:
        review = confirmed_review(leaver["lena"], leaver["dsl"])
        services.cancel(viewer=verified_viewer(leaver["dsl"]), review_id=review.pk)
        assert services.purge_confirmed() == 0
        assert Incident.objects.filter(pupil=leaver["lena"]).count() == 2


def test_a_pupil_no_longer_due_under_a_changed_rule_is_kept_not_purged(abbey, leaver):
    with abbey:
        confirmed_review(leaver["lena"], leaver["dsl"])
        services.save_settings(viewer=verified_viewer(leaver["dsl"]), basis="birthday", years="30")
        assert services.purge_confirmed() == 0
        review = RetentionReview.objects.get()
        assert review.decision == "kept"
        born = leaver["lena"].date_of_birth
        assert review.keep_until == born.replace(year=born.year + 30)
        assert Incident.objects.filter(pupil=leaver["lena"]).count() == 2
        assert AuditEvent.objects.filter(action="retention_kept", object_id=review.pk).exists()


def test_a_file_storage_refuses_to_delete_is_retried_on_the_next_run(abbey, leaver, monkeypatch):
    with abbey:
        stored = Attachment.objects.get(incident=leaver["alone"]).file.name
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
