"""Which records the nightly check lists for a DSL's review, and who is told."""

from __future__ import annotations

import datetime

from django.utils import timezone

from safeguarding.people.models import Pupil
from safeguarding.retention import services
from safeguarding.retention.models import (
    LegalHold,
    RetentionNotice,
    RetentionReview,
    RetentionSettings,
)
from tenants.models import OutboxMessage
from tests.sessions import verified_viewer


def _listed() -> set[int]:
    return set(RetentionReview.objects.values_list("pupil_ref", flat=True))


def test_a_leaver_past_their_25th_birthday_is_listed_and_pupils_on_roll_are_not(abbey, leaver):
    with abbey:
        assert services.list_due() == 1
        assert _listed() == {leaver["lena"].pk}
        review = RetentionReview.objects.get()
        assert review.decision == "pending"
        born = leaver["lena"].date_of_birth
        assert review.due_on == born.replace(year=born.year + 25)


def test_a_leaver_younger_than_the_rule_is_not_listed(abbey, leaver):
    with abbey:
        today = timezone.localdate()
        Pupil.objects.filter(pk=leaver["lena"].pk).update(
            date_of_birth=today.replace(year=today.year - 24)
        )
        assert services.list_due() == 0


def test_listing_twice_adds_nothing_the_second_time(abbey, leaver):
    with abbey:
        services.list_due()
        assert services.list_due() == 0
        assert RetentionReview.objects.count() == 1


def test_a_pupil_under_a_legal_hold_is_not_listed(abbey, leaver):
    with abbey:
        LegalHold.objects.create(pupil=leaver["lena"], reason="Court case", placed_by=leaver["dsl"])
        assert services.list_due() == 0


def test_an_after_leaving_rule_counts_from_the_leaving_date(abbey, leaver):
    with abbey:
        RetentionSettings.objects.create(pk=1, basis="after_leaving", years=6)
        assert services.list_due() == 0  # left 30 days ago
        today = timezone.localdate()
        Pupil.objects.filter(pk=leaver["lena"].pk).update(
            leaving_date=today.replace(year=today.year - 7)
        )
        assert services.list_due() == 1


def test_records_kept_longer_come_back_on_the_day_chosen(abbey, leaver):
    with abbey:
        services.list_due()
        review = RetentionReview.objects.get()
        today = timezone.localdate()
        services.keep(
            viewer=verified_viewer(leaver["dsl"]), review_id=review.pk,
            until=str(today + datetime.timedelta(days=30)), reason="Sibling still at school",
        )  # fmt: skip
        assert services.list_due() == 0
        assert services.list_due(today=today + datetime.timedelta(days=30)) == 1
        assert RetentionReview.objects.filter(decision="pending").count() == 1


def test_each_dsl_is_emailed_a_count_through_the_outbox(abbey, leaver):
    with abbey:
        services.list_due()
        notices = RetentionNotice.objects.all()
        recipients = {notice.user.email for notice in notices}
        assert "keeper@abbey.example" in recipients
        assert "teacher@abbey.example" not in recipients
        assert {notice.waiting for notice in notices} == {1}
        assert OutboxMessage.objects.filter(
            school=abbey, kind="retention_notice", reference__in=[n.pk for n in notices]
        ).count() == len(notices)


def test_the_notice_email_carries_a_count_and_no_name(abbey, leaver, mailoutbox):
    from safeguarding.retention.delivery import email_notice

    with abbey:
        services.list_due()
        notice = RetentionNotice.objects.get(user=leaver["dsl"])
        email_notice(notice.pk)
        email_notice(notice.pk)  # a retry after success sends nothing more
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["keeper@abbey.example"]
    assert "1 record due for retention review" in message.subject
    for text in (message.subject, message.body):
        assert "Lena" not in text and "Leaver" not in text
    assert "/retention/" in message.body


def test_the_nightly_task_refuses_to_run_without_a_school(db):
    import pytest

    from safeguarding.alerts.tasks import NoSchool
    from safeguarding.retention.tasks import nightly

    with pytest.raises(NoSchool):
        nightly()


def test_the_nightly_task_purges_then_lists_in_its_school(abbey, leaver):
    from safeguarding.retention.tasks import nightly

    with abbey:
        assert nightly() == {"purged": 0, "listed": 1}
        review = RetentionReview.objects.get()
        services.confirm(
            viewer=verified_viewer(leaver["dsl"]), review_id=review.pk, understood=True
        )
        assert nightly() == {"purged": 1, "listed": 0}
