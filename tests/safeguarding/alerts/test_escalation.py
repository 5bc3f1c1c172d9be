"""The DSL on duty: an alert to them that no DSL acknowledges in time moves on to the next
DSL of the rota, then to every DSL, exactly once each; out of hours it goes to every DSL."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context

from safeguarding.access.models import Role
from safeguarding.access.services import set_category_level
from safeguarding.alerts import services, tasks
from safeguarding.alerts.models import Closure, DutySlot, Escalation, Notification
from safeguarding.concerns.services import add_action, record_incident
from safeguarding.people.models import StaffProfile
from tenants.models import OutboxMessage
from tests.browser import committed_school
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.safeguarding.alerts.helpers import category
from tests.sessions import verified_viewer


@pytest.fixture
def team(abbey):
    """Abbey's DSLs on an all-week rota (so the test is always in school hours): Anne on
    duty, Ben next; Cara is a DSL not on the rota. Tom, a form tutor, may record in Child
    Protection."""
    with abbey:
        yield _rota_and_team()


def _rota_and_team() -> dict:
    _teachers_record_child_protection()
    form = GroupFactory(name="10B", kind="form")
    people = {
        "teacher": StaffFactory(full_name="Tom Teacher", groups=[form]),
        "anne": StaffFactory(full_name="Anne First", role="Safeguarding team"),
        "ben": StaffFactory(full_name="Ben Second", role="Safeguarding team"),
        "cara": StaffFactory(full_name="Cara Third", role="Safeguarding team"),
        "pupil": PupilFactory(form=form),
    }
    for weekday in range(7):
        for position, name in enumerate(("anne", "ben"), start=1):
            DutySlot.objects.create(weekday=weekday, starts=datetime.time(0),
                                    ends=datetime.time(23, 59, 59, 999999),
                                    user=people[name], position=position)  # fmt: skip
    return people


def _teachers_record_child_protection() -> None:
    teachers = Role.objects.get(name="Teachers")
    set_category_level(role=teachers, category=category("Child Protection"), level="record")


def _disclosure(team, *, by="teacher"):
    return record_incident(
        viewer=verified_viewer(team[by]),
        pupil_id=team["pupil"].pk,
        text="Disclosure at break.",
        category_ids=[category("Child Protection").pk],
        occurred_at=timezone.now() - datetime.timedelta(minutes=5),
    )


def _alerted(incident) -> list[tuple[str, str]]:
    return sorted(
        (n.user.get_full_name(), n.reason)
        for n in Notification.objects.filter(incident=incident).select_related("user")
    )


def _everyone_dsl(abbey) -> set[str]:
    return {
        p.user.get_full_name()
        for p in StaffProfile.objects.filter(
            role__name="Safeguarding team", user__is_active=True
        ).select_related("user")
    }


def test_in_school_hours_a_safeguarding_incident_alerts_only_the_dsl_on_duty(abbey, team):
    with abbey:
        started = timezone.now()
        incident = _disclosure(team)
        assert _alerted(incident) == [("Anne First", "rule")]
        escalation = Escalation.objects.get(incident=incident)
        assert escalation.stage == 0 and escalation.chain[:2] == [team["anne"].pk, team["ben"].pk]
        wait = escalation.due_at - started
        assert datetime.timedelta(minutes=14) < wait <= datetime.timedelta(minutes=16)


def test_unacknowledged_it_escalates_to_the_next_dsl_then_to_every_dsl_once_each(abbey, team):
    with abbey:
        incident = _disclosure(team)
        boundary = Escalation.objects.get(incident=incident).due_at
        assert services.escalate_due(now=boundary - datetime.timedelta(microseconds=1)) == 0
        assert services.escalate_due(now=boundary) == 1
        assert services.escalate_due(now=boundary) == 0  # the same instant again: once
        assert _alerted(incident) == [("Anne First", "rule"), ("Ben Second", "escalated")]

        second = Escalation.objects.get(incident=incident).due_at
        assert second == boundary + datetime.timedelta(minutes=15)
        assert services.escalate_due(now=second) == 1
        assert services.escalate_due(now=second + datetime.timedelta(hours=1)) == 0
        names = {name for name, _ in _alerted(incident)}
        assert names == _everyone_dsl(abbey) and "Cara Third" in names
        assert len(_alerted(incident)) == len(names)  # nobody alerted twice
        escalated = Notification.objects.filter(incident=incident, reason="escalated")
        emails = OutboxMessage.objects.filter(school=abbey, kind="notification_email",
                                              reference__in=escalated.values("pk"))  # fmt: skip
        assert emails.count() == escalated.count() >= 2


def test_when_the_dsl_on_duty_marks_it_read_nothing_escalates(abbey, team):
    with abbey:
        incident = _disclosure(team)
        boundary = Escalation.objects.get(incident=incident).due_at
        notification = Notification.objects.get(incident=incident, user=team["anne"])
        services.mark_read(viewer=verified_viewer(team["anne"]), notification_id=notification.pk)
        assert services.escalate_due(now=boundary + datetime.timedelta(hours=2)) == 0
        escalation = Escalation.objects.get(incident=incident)
        assert escalation.acknowledged_by == team["anne"] and escalation.due_at is None
        assert _alerted(incident) == [("Anne First", "rule")]


def test_a_dsl_acting_on_the_incident_acknowledges_it(abbey, team):
    with abbey:
        incident = _disclosure(team)
        add_action(viewer=verified_viewer(team["cara"]), incident_id=incident.pk, kind="note",
                   text="Spoke to the pupil.")  # fmt: skip
        assert Escalation.objects.get(incident=incident).acknowledged_by == team["cara"]


def test_someone_else_reading_it_does_not_stop_the_escalation(abbey, team):
    with abbey:
        incident = _disclosure(team)
        assert not services.acknowledge(
            incident_id=incident.pk, viewer=verified_viewer(team["teacher"])
        )
        assert Escalation.objects.get(incident=incident).acknowledged_at is None


def test_out_of_hours_it_goes_to_every_dsl_and_nothing_escalates(abbey, team):
    with abbey:
        today = timezone.localdate()
        Closure.objects.create(first_day=today, last_day=today, name="Training day")
        incident = _disclosure(team)
        assert {name for name, _ in _alerted(incident)} == _everyone_dsl(abbey)
        assert not Escalation.objects.filter(incident=incident).exists()


def test_a_school_without_a_rota_alerts_every_dsl(abbey):
    with abbey:
        _teachers_record_child_protection()
        form = GroupFactory(kind="form")
        teacher = StaffFactory(groups=[form])
        dsls = {StaffFactory(role="Safeguarding team").pk for _ in range(2)}
        incident = record_incident(
            viewer=verified_viewer(teacher),
            pupil_id=PupilFactory(form=form).pk,
            text="Disclosure.",
            category_ids=[category("Child Protection").pk],
            occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        )
        alerted = set(Notification.objects.filter(incident=incident).values_list("user", flat=True))
        assert dsls <= alerted
        assert not Escalation.objects.filter(incident=incident).exists()


def test_a_dsl_on_duty_who_has_left_is_passed_over(abbey, team):
    with abbey:
        team["anne"].is_active = False
        team["anne"].save(update_fields=["is_active"])
        incident = _disclosure(team)
        assert _alerted(incident) == [("Ben Second", "rule")]


def test_a_dsl_who_records_it_themselves_starts_no_escalation(abbey, team):
    with abbey:
        incident = _disclosure(team, by="cara")
        assert _alerted(incident) == [("Anne First", "rule")]
        assert not Escalation.objects.filter(incident=incident).exists()


def test_a_change_to_the_rota_takes_effect_at_once(abbey, team):
    with abbey:
        _disclosure(team)  # the rota is now kept for this policy version
        DutySlot.objects.filter(user=team["anne"]).delete()
        incident = _disclosure(team)
        assert _alerted(incident) == [("Ben Second", "rule")]


@pytest.fixture(scope="module")
def racing_school(django_db_setup, django_db_blocker):
    """A committed school whose one incident waits on its DSL: each beat has its own
    connection, so what they race for must be committed."""

    def fill(school):
        incident = _disclosure(_rota_and_team())
        return incident.pk, Escalation.objects.get(incident=incident).due_at

    with committed_school(django_db_blocker, slug="escalate", name="Escalate High",
                          fill=fill) as made:  # fmt: skip
        yield made


# Says it uses the database so that pytest-django makes the test database when run alone.
@pytest.mark.django_db
def test_two_beats_at_the_same_instant_escalate_once(racing_school, django_db_blocker):
    school, (incident_id, boundary) = racing_school
    results, barrier = [], threading.Barrier(2)

    def beat():
        try:
            with school:
                barrier.wait()
                results.append(services.escalate_due(now=boundary))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with school:
        escalated = Notification.objects.filter(incident_id=incident_id, reason="escalated")
        assert sorted(results) == [0, 1] and escalated.count() == 1


def test_the_escalation_beat_runs_in_a_school_and_refuses_to_run_without_one(abbey, team):
    with abbey:
        incident = _disclosure(team)
        Escalation.objects.filter(incident=incident).update(due_at=timezone.now())
        assert tasks.escalate.run() == 1
    with schema_context("public"), pytest.raises(tasks.NoSchool):
        tasks.escalate.run()
