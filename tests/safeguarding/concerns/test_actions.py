"""Follow-ups on incidents: who may add them, what each kind needs, and completion."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.models import IncidentGrant
from safeguarding.concerns.models import Agency, Category
from safeguarding.concerns.services import add_action, complete_action, record_incident
from safeguarding.errors import Invalid, NotFound, NotPermitted
from tests.factories import PupilFactory, StaffFactory
from tests.sessions import verified_viewer


@pytest.fixture
def case(abbey):
    """A Child Protection incident recorded by Abbey's DSL."""
    with abbey:
        dsl = verified_viewer(StaffFactory(role="Safeguarding team"))
        incident = record_incident(
            viewer=dsl, pupil_id=PupilFactory().pk, text="Disclosure at lunch.",
            category_ids=[Category.objects.get(name="Child Protection").pk],
            occurred_at=timezone.now(),
        )  # fmt: skip
        yield {"dsl": dsl, "incident": incident}


def test_a_dsl_records_a_phone_call(case):
    action = add_action(
        viewer=case["dsl"], incident_id=case["incident"].pk, kind="phone_call",
        text="Rang mum; she will come in tomorrow.",
    )  # fmt: skip
    assert action.recorded_by == case["dsl"].user
    assert list(case["incident"].actions.all()) == [action]


def test_a_referral_names_its_agency_and_reference(case):
    with pytest.raises(Invalid) as refused:
        add_action(viewer=case["dsl"], incident_id=case["incident"].pk, kind="referral",
                   text="Referred.")  # fmt: skip
    assert "agency" in refused.value.errors
    action = add_action(
        viewer=case["dsl"], incident_id=case["incident"].pk, kind="referral",
        text="Referred to children's social care.",
        agency_id=Agency.objects.get(name="Children's social care").pk, reference="CSC-4471",
        due_date=timezone.localdate() + datetime.timedelta(days=5),
    )  # fmt: skip
    assert (action.agency.name, action.reference) == ("Children's social care", "CSC-4471")


def test_forwarding_lets_the_team_member_read_the_incident(case):
    colleague = StaffFactory(role="Heads of School")
    assert not policy.visible_incidents(verified_viewer(colleague)).filter(pk=case["incident"].pk)
    with pytest.raises(Invalid) as refused:
        add_action(viewer=case["dsl"], incident_id=case["incident"].pk, kind="forwarded",
                   text="Please follow up.")  # fmt: skip
    assert "assignee" in refused.value.errors
    add_action(
        viewer=case["dsl"], incident_id=case["incident"].pk, kind="forwarded",
        text="Please follow up with the family.", assignee_id=colleague.pk,
    )  # fmt: skip
    assert policy.visible_incidents(verified_viewer(colleague)).filter(pk=case["incident"].pk)


def test_an_alerted_teacher_adds_a_note_but_cannot_pass_a_restricted_incident_on(case):
    teacher = StaffFactory()
    IncidentGrant.objects.create(
        incident=case["incident"], user=teacher, reason="alerted", granted_by=case["dsl"].user
    )
    colleague = StaffFactory()
    for passing_on in ({"assignee_id": colleague.pk}, {"alert_user_ids": [colleague.pk]}):
        with pytest.raises(Invalid, match="not pass it on: ask the safeguarding team"):
            add_action(viewer=verified_viewer(teacher), incident_id=case["incident"].pk,
                       kind="note", text="Told her head of year.", **passing_on)  # fmt: skip
    assert not case["incident"].actions.exists()
    assert not policy.visible_incidents(verified_viewer(colleague)).filter(pk=case["incident"].pk)
    note = add_action(viewer=verified_viewer(teacher), incident_id=case["incident"].pk, kind="note",
                      text="She came back to talk at break.")  # fmt: skip
    assert note.recorded_by == teacher


def test_someone_who_cannot_see_the_incident_gets_not_found(case):
    teacher = verified_viewer(StaffFactory())
    with pytest.raises(NotFound):
        add_action(viewer=teacher, incident_id=case["incident"].pk, kind="note", text="Hi")
    with pytest.raises(NotFound):
        add_action(viewer=teacher, incident_id=10**9, kind="note", text="Hi")
    assert not case["incident"].actions.exists()


def test_a_pupils_record_is_read_only_after_they_leave(case):
    pupil = case["incident"].pupil
    pupil.leaving_date = timezone.localdate() - datetime.timedelta(days=1)
    pupil.save()
    with pytest.raises(NotPermitted, match="read-only"):
        add_action(viewer=case["dsl"], incident_id=case["incident"].pk, kind="note", text="Late")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"text": ""}, "text"),
        ({"text": "<script>x</script>"}, "text"),
        ({"due_date": datetime.date(2020, 1, 1)}, "due_date"),
        ({"assignee_id": 10**9}, "assignee"),
        ({"occurred_at": timezone.now() + datetime.timedelta(days=1)}, "occurred_at"),
        ({"reference": "<b>1</b>"}, "reference"),
    ],
)
def test_bad_actions_are_refused_and_nothing_is_saved(case, changes, field):
    arguments = {"kind": "note", "text": "Spoke to her form tutor.", **changes}
    with pytest.raises(Invalid) as refused:
        add_action(viewer=case["dsl"], incident_id=case["incident"].pk, **arguments)
    assert field in refused.value.errors
    assert not case["incident"].actions.exists()


def test_the_assignee_completes_an_action_once(case):
    assignee = StaffFactory(role="SLT")
    action = add_action(
        viewer=case["dsl"], incident_id=case["incident"].pk, kind="meeting",
        text="Meet the family.", assignee_id=assignee.pk,
        due_date=timezone.localdate() + datetime.timedelta(days=2),
    )  # fmt: skip
    with pytest.raises(NotFound):  # cannot see a Child Protection incident at all
        complete_action(viewer=verified_viewer(StaffFactory(role="SLT")), action_id=action.pk)
    alerted = StaffFactory(role="SLT")
    IncidentGrant.objects.create(
        incident=case["incident"], user=alerted, reason="alerted", granted_by=case["dsl"].user
    )
    with pytest.raises(NotPermitted, match="assigned to"):  # sees it, but it is not theirs
        complete_action(viewer=verified_viewer(alerted), action_id=action.pk)
    completion = complete_action(viewer=verified_viewer(assignee), action_id=action.pk, note="Done")
    assert completion.completed_by == assignee
    with pytest.raises(Invalid, match="already complete"):
        complete_action(viewer=case["dsl"], action_id=action.pk)
