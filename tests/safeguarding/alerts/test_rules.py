"""Who an incident or an action alerts: the school's rules and the staff picked by name."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.models import IncidentGrant
from safeguarding.alerts.models import AlertRule, Notification
from safeguarding.concerns.services import add_action, record_incident
from tenants.models import OutboxMessage
from tests.factories import StaffFactory
from tests.safeguarding.alerts.helpers import category
from tests.sessions import verified_viewer


def _record(school, *, by="recorder", categories=("Behaviour: Negative behaviour",), alert=()):
    return record_incident(
        viewer=verified_viewer(school[by]),
        pupil_id=school["pupil"].pk,
        text="Pushed another child in the line.",
        category_ids=[category(label).pk for label in categories],
        occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        alert_user_ids=[school[name].pk for name in alert],
    )


def _alerted(incident) -> dict[str, tuple[str, bool]]:
    return {
        n.user.get_full_name(): (n.reason, n.granted_access)
        for n in Notification.objects.filter(incident=incident).select_related("user")
    }


def test_an_ordinary_incident_alerts_slt_pastoral_and_the_class_teacher(school):
    incident = _record(school)
    assert _alerted(incident) == {
        "Sam Senior": ("rule", False),
        "Pat Pastoral": ("rule", True),
        "Colin Class": ("rule", True),
    }
    # Each alert's email waits in the outbox, written in the incident's own transaction.
    queued = OutboxMessage.objects.filter(school__schema_name="westleigh")
    assert sorted(queued.values_list("reference", flat=True)) == sorted(
        Notification.objects.filter(incident=incident).values_list("pk", flat=True)
    )
    assert set(queued.values_list("kind", flat=True)) == {"notification_email"}


def test_a_safeguarding_incident_alerts_slt_pastoral_and_the_dsls_but_not_teachers(school):
    incident = _record(school, by="dsl", categories=["Safeguarding: CP plan", "Behaviour"])
    alerted = _alerted(incident)
    assert alerted["Sam Senior"] == ("rule", True)  # SLT sees restricted only as titles
    assert alerted["Pat Pastoral"] == ("rule", True)
    assert "Colin Class" not in alerted
    assert "Dee Lead" not in alerted  # the actor
    # The school's first DSL is "on duty" until the roster exists, and reads it already.
    first_dsl = Notification.objects.get(incident=incident, user__email="dsl@westleigh.example")
    assert first_dsl.granted_access is False


def test_a_rule_on_a_category_covers_its_subcategories(school):
    named = StaffFactory(full_name="Nina Named")
    rule = AlertRule.objects.create(category=category("Behaviour"))
    rule.staff.add(named)
    incident = _record(school, categories=["Behaviour: Team teach"])
    assert _alerted(incident)["Nina Named"] == ("rule", True)
    elsewhere = _record(school, categories=["Cause for concern: Every child"])
    assert "Nina Named" not in _alerted(elsewhere)


def test_a_rule_for_a_role_alerts_its_members(school):
    rule = AlertRule.objects.create(category=category("Attendance"))
    rule.roles.add(school["other_teacher"].staff_profile.role)
    incident = _record(school, categories=["Attendance"])
    assert "Olive Other" in _alerted(incident)


def test_nobody_is_alerted_to_what_they_recorded_and_deactivated_staff_are_not_alerted(school):
    school["slt"].is_active = False
    school["slt"].save()
    incident = _record(school, by="class_teacher")
    alerted = _alerted(incident)
    assert "Colin Class" not in alerted
    assert "Sam Senior" not in alerted
    assert "Rita Recorder" in alerted  # she teaches the class too


def test_a_manual_alert_lets_the_person_read_the_incident_and_says_so(school):
    incident = _record(school, alert=["other_teacher"])
    notification = Notification.objects.get(incident=incident, user=school["other_teacher"])
    assert (notification.reason, notification.granted_access) == ("manual", True)
    assert IncidentGrant.objects.filter(
        incident=incident, user=school["other_teacher"], reason="alerted"
    ).exists()
    viewer = verified_viewer(school["other_teacher"])
    assert policy.visible_incidents(viewer).filter(pk=incident.pk).exists()


def test_a_rule_grants_read_only_to_those_who_could_not_already_read(school):
    incident = _record(school)
    granted = set(IncidentGrant.objects.filter(incident=incident).values_list("user", flat=True))
    assert granted == {school["pastoral"].pk, school["class_teacher"].pk}


def test_an_action_alerts_the_rules_audience_and_its_assignee(school):
    incident = _record(school)
    action = add_action(
        viewer=verified_viewer(school["dsl"]),
        incident_id=incident.pk,
        kind="note",
        text="Spoke to the parent.",
        assignee_id=school["other_teacher"].pk,
        due_date=timezone.localdate(),
    )
    on_action = {
        n.user.get_full_name(): n.reason for n in Notification.objects.filter(action=action)
    }
    assert on_action == {
        "Sam Senior": "rule",
        "Pat Pastoral": "rule",
        "Colin Class": "rule",
        "Rita Recorder": "rule",
        "Olive Other": "assigned",
    }
    assert IncidentGrant.objects.filter(
        incident=incident, user=school["other_teacher"], reason="assigned"
    ).exists()


def test_an_incident_that_is_rolled_back_leaves_no_notification(school):
    with pytest.raises(RuntimeError), transaction.atomic():
        incident = _record(school)
        assert Notification.objects.filter(incident=incident).exists()
        raise RuntimeError("the request failed after recording")
    assert not Notification.objects.exists()
    assert not IncidentGrant.objects.exists()


def test_notifications_are_kept_as_written(school):
    from django.db import DatabaseError

    notification = Notification.objects.filter(incident=_record(school)).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        Notification.objects.filter(pk=notification.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(granted_access=False)


def test_a_secondary_school_alerts_only_the_dsl_to_safeguarding_incidents(abbey):
    from tests.factories import PupilFactory, StaffFactory

    with abbey:
        slt = StaffFactory(role="SLT")
        dsl = StaffFactory(role="Safeguarding team")
        pupil = PupilFactory()
        incident = record_incident(
            viewer=verified_viewer(dsl),
            pupil_id=pupil.pk,
            text="Disclosure.",
            category_ids=[category("Child Protection").pk],
            occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        )
        alerted = set(
            Notification.objects.filter(incident=incident).values_list("user__email", flat=True)
        )
    assert alerted == {"dsl@abbey.example"}
    assert slt.email not in alerted
