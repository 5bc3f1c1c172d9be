"""A DSL's changes after submission are new records beside the incident, never edits."""

from __future__ import annotations

import pytest
from django.utils import timezone

from safeguarding.concerns.models import Category, Incident
from safeguarding.concerns.services import (
    recategorise,
    record_incident,
    set_names_hidden,
    set_risk,
    set_status,
)
from safeguarding.errors import Invalid, NotFound, NotPermitted
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import verified_viewer


@pytest.fixture
def incident(abbey):
    with abbey:
        form = GroupFactory(kind="form")
        teacher = verified_viewer(StaffFactory(groups=[form]))
        yield record_incident(
            viewer=teacher,
            pupil_id=PupilFactory(form=form).pk,
            text="Comment about home.",
            category_ids=[Category.objects.get(name="Cause for Concern").pk],
            occurred_at=timezone.now(),
        )


@pytest.fixture
def dsl(abbey):
    with abbey:
        yield verified_viewer(StaffFactory(role="Safeguarding team"))


def test_recategorising_records_what_changed_and_why(incident, dsl):
    protection = Category.objects.get(name="Child Protection")
    change = recategorise(
        viewer=dsl, incident_id=incident.pk, category_ids=[protection.pk], reason="Disclosure"
    )
    assert list(incident.categories.all()) == [protection]
    assert (change.kind, change.before, change.after, change.reason) == (
        "categories",
        ["Cause for Concern"],
        ["Child Protection"],
        "Disclosure",
    )
    assert Incident.objects.get(pk=incident.pk).text == "Comment about home."


def test_status_risk_and_hidden_names_each_leave_a_change(incident, dsl):
    set_status(viewer=dsl, incident_id=incident.pk, status="closed")
    set_risk(viewer=dsl, incident_id=incident.pk, risk="high", reason="Repeated disclosures")
    set_names_hidden(viewer=dsl, incident_id=incident.pk, hidden=True)
    incident.refresh_from_db()
    assert (incident.status, incident.risk, incident.names_hidden) == ("closed", "high", True)
    assert [c.kind for c in incident.changes.all()] == ["status", "risk", "names"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d, i: set_status(viewer=d, incident_id=i, status="maybe"), "status"),
        (lambda d, i: set_status(viewer=d, incident_id=i, status="active"), "status"),
        (lambda d, i: set_risk(viewer=d, incident_id=i, risk="extreme", reason="x"), "risk"),
        (lambda d, i: set_risk(viewer=d, incident_id=i, risk="low", reason=" "), "reason"),
        (lambda d, i: recategorise(viewer=d, incident_id=i, category_ids=[]), "categories"),
    ],
)
def test_meaningless_changes_are_refused_and_leave_no_record(incident, dsl, change, field):
    with pytest.raises(Invalid) as refused:
        change(dsl, incident.pk)
    assert field in refused.value.errors
    assert not incident.changes.exists()


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("SLT", NotPermitted),  # reads it, may not change it
        ("the teacher who recorded it", NotPermitted),
        ("Heads of School", NotFound),  # cannot see it at all
    ],
)
def test_only_a_dsl_changes_an_incident(incident, who, refusal):
    if who == "the teacher who recorded it":
        viewer = verified_viewer(incident.recorded_by)
    else:
        viewer = verified_viewer(StaffFactory(role=who))
    with pytest.raises(refusal):
        set_status(viewer=viewer, incident_id=incident.pk, status="closed")
    assert not incident.changes.exists()
