"""The writes behind the alert settings pages: who may make them, what they refuse, and the
audit entry each one leaves."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from safeguarding.alerts import settings_services as services
from safeguarding.alerts.models import AlertRule, AlertSettings, Closure, DutyCover, DutySlot
from safeguarding.audit.models import AuditEvent
from safeguarding.errors import Invalid, NotFound, NotPermitted
from tests.factories import StaffFactory
from tests.safeguarding.alerts.helpers import category
from tests.sessions import verified_viewer

EIGHT, FOUR = datetime.time(8), datetime.time(16)


@pytest.fixture
def dsl(school):
    return verified_viewer(school["dsl"])


def _last_change() -> dict:
    event = AuditEvent.objects.filter(action="alert_settings_changed").latest("seq")
    return {"type": event.object_type, "id": event.object_id, **json.loads(event.detail)}


def test_only_the_safeguarding_team_may_change_alert_settings(school):
    slt = verified_viewer(school["slt"])
    attempts = [
        lambda: services.add_duty_slot(viewer=slt, weekday=0, starts=EIGHT, ends=FOUR,
                                       user_id=school["dsl"].pk),
        lambda: services.add_closure(viewer=slt, first_day=datetime.date(2099, 1, 1),
                                     last_day=datetime.date(2099, 1, 1), name="Inset"),
        lambda: services.set_escalation(viewer=slt, minutes=5),
        lambda: services.create_alert_rule(viewer=slt, category_id=None,
                                           include_dsl_on_duty=True),
        lambda: services.delete_alert_rule(viewer=slt, rule_id=AlertRule.objects.first().pk),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(NotPermitted):
            attempt()
    assert not DutySlot.objects.exists() and not Closure.objects.exists()
    assert AlertSettings.current().escalate_after_minutes == 15


def test_a_deactivated_dsl_cannot_go_on_the_rota(school, dsl):
    gone = StaffFactory(full_name="Gwen Gone", role="Safeguarding team", is_active=False)
    with pytest.raises(Invalid) as refused:
        services.add_duty_slot(viewer=dsl, weekday=0, starts=EIGHT, ends=FOUR, user_id=gone.pk)
    assert refused.value.errors == {"user": ["Gwen Gone is deactivated, so cannot be on duty."]}


@pytest.mark.parametrize(("weekday", "position"), [(7, 1), (-1, 1), (0, 0), (0, 10), (None, None)])
def test_a_slot_needs_a_real_day_and_an_order_from_one_to_nine(school, dsl, weekday, position):
    with pytest.raises(Invalid):
        services.add_duty_slot(viewer=dsl, weekday=weekday, starts=EIGHT, ends=FOUR,
                               user_id=school["dsl"].pk, position=position)  # fmt: skip
    assert not DutySlot.objects.exists()


def test_a_slot_is_audited_with_ids_and_times_only(school, dsl):
    slot = services.add_duty_slot(
        viewer=dsl, weekday=6, starts=EIGHT, ends=FOUR, user_id=school["dsl"].pk, position=3
    )
    assert _last_change() == {
        "type": "duty_slot", "id": slot.pk, "change": "added", "weekday": 6, "starts": "08:00",
        "ends": "16:00", "user": school["dsl"].pk, "position": 3,
    }  # fmt: skip
    services.remove_duty_slot(viewer=dsl, slot_id=slot.pk)
    assert _last_change()["change"] == "removed"
    with pytest.raises(NotFound):
        services.remove_duty_slot(viewer=dsl, slot_id=slot.pk)


def test_no_one_covers_for_themselves(school, dsl):
    with pytest.raises(Invalid) as refused:
        services.add_duty_cover(
            viewer=dsl, date=timezone.localdate(), starts=EIGHT, ends=FOUR,
            user_id=school["dsl"].pk, covering_for_id=school["dsl"].pk,
        )  # fmt: skip
    assert refused.value.errors == {"covering_for": ["Someone cannot cover for themselves."]}


def test_cover_may_stand_in_for_a_dsl_who_has_since_been_deactivated(school, dsl):
    gone = StaffFactory(full_name="Gwen Gone", role="Safeguarding team", is_active=False)
    cover = services.add_duty_cover(
        viewer=dsl, date=timezone.localdate(), starts=EIGHT, ends=FOUR,
        user_id=school["dsl"].pk, covering_for_id=gone.pk,
    )  # fmt: skip
    assert cover.covering_for == gone
    assert DutyCover.objects.get().user == school["dsl"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the name."),
        ("<b>Half term</b>", "cannot contain HTML"),
        ("x" * 101, "Keep the name to 100 characters or fewer."),
    ],
)
def test_a_closure_needs_a_plain_name_of_at_most_100_characters(dsl, name, message):
    with pytest.raises(Invalid, match=message):
        services.add_closure(viewer=dsl, first_day=datetime.date(2099, 2, 16),
                             last_day=datetime.date(2099, 2, 20), name=name)  # fmt: skip
    assert not Closure.objects.exists()


def test_a_closures_name_stays_out_of_the_audit_log(dsl):
    closure = services.add_closure(
        viewer=dsl, first_day=datetime.date(2099, 2, 16), last_day=datetime.date(2099, 2, 20),
        name=" Half term\n",
    )  # fmt: skip
    assert closure.name == "Half term"
    assert _last_change() == {"type": "closure", "id": closure.pk, "change": "added",
                              "first_day": "2099-02-16", "last_day": "2099-02-20"}  # fmt: skip


def test_the_escalation_time_is_kept_and_its_change_audited(dsl):
    services.set_escalation(viewer=dsl, minutes=240)
    services.set_escalation(viewer=dsl, minutes=1)
    assert AlertSettings.current().escalate_after_minutes == 1
    assert _last_change()["minutes_from"] == 240 and _last_change()["minutes_to"] == 1
    for minutes in (0, 241, None):
        with pytest.raises(Invalid):
            services.set_escalation(viewer=dsl, minutes=minutes)
    assert AlertSettings.current().escalate_after_minutes == 1


def test_a_rule_may_not_alert_someone_deactivated_and_says_who(school, dsl):
    gone = StaffFactory(full_name="Gwen Gone", is_active=False)
    with pytest.raises(Invalid) as refused:
        services.create_alert_rule(viewer=dsl, category_id=None, staff_ids=[gone.pk])
    assert refused.value.errors == {
        "staff": ["Deactivated staff cannot be alerted: untick Gwen Gone."]
    }


def test_a_rule_for_every_category_is_made_changed_and_deleted(school, dsl):
    behaviour = category("Behaviour")
    rule = services.create_alert_rule(
        viewer=dsl, category_id=None, staff_ids=[school["other_teacher"].pk]
    )
    assert rule.category is None and list(rule.staff.all()) == [school["other_teacher"]]
    services.update_alert_rule(viewer=dsl, rule_id=rule.pk, category_id=behaviour.pk,
                               include_group_staff=True)  # fmt: skip
    rule.refresh_from_db()
    assert rule.category == behaviour and rule.include_group_staff and not rule.staff.exists()
    assert _last_change() == {
        "type": "alert_rule", "id": rule.pk, "change": "changed", "category": behaviour.pk,
        "roles": [], "staff": [], "group_staff": True, "dsl_on_duty": False,
    }  # fmt: skip
    services.delete_alert_rule(viewer=dsl, rule_id=rule.pk)
    assert not AlertRule.objects.filter(pk=rule.pk).exists()
    with pytest.raises(NotFound):
        services.update_alert_rule(viewer=dsl, rule_id=rule.pk, category_id=None,
                                   include_dsl_on_duty=True)  # fmt: skip
