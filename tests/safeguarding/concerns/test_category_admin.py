"""DSLs keep their school's categories and agencies; used categories are retired, never deleted."""

from __future__ import annotations

import pytest
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.models import Role
from safeguarding.access.services import set_category_level
from safeguarding.audit.models import AuditEvent
from safeguarding.concerns.models import Agency, Category, IncidentCategory
from safeguarding.concerns.services import (
    add_agency,
    add_category,
    delete_category,
    move_category,
    record_incident,
    rename_agency,
    rename_category,
    retire_agency,
    retire_category,
)
from safeguarding.errors import Invalid, NotPermitted
from tests.factories import PupilFactory, StaffFactory
from tests.sessions import verified_viewer


@pytest.fixture
def dsl(abbey):
    with abbey:
        yield verified_viewer(StaffFactory(role="Safeguarding team"))


def test_a_dsl_adds_a_subcategory_which_inherits_restriction(dsl):
    parent = Category.objects.get(name="Child Protection")
    added = add_category(viewer=dsl, name="Strategy meeting", standard="statutory",
                         parent_id=parent.pk)  # fmt: skip
    assert (added.label, added.restricted) == ("Child Protection: Strategy meeting", True)


def test_names_are_unique_among_siblings_whatever_the_case(dsl):
    with pytest.raises(Invalid, match="already a category called"):
        add_category(viewer=dsl, name="bullying", standard="bullying")
    parent = Category.objects.get(name="Mental Health and Wellbeing")
    with pytest.raises(Invalid, match="already a category"):
        add_category(viewer=dsl, name="ANXIETY", standard="mental_health", parent_id=parent.pk)
    # The same name under a different parent is fine.
    add_category(viewer=dsl, name="Anxiety", standard="mental_health",
                 parent_id=Category.objects.get(name="SEND").pk)  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": "", "standard": "other"}, "name"),
        ({"name": "<i>x</i>", "standard": "other"}, "name"),
        ({"name": "Gangs", "standard": "not-a-standard"}, "standard"),
        ({"name": "Gangs", "standard": "other", "parent_id": 10**9}, "parent"),
    ],
)
def test_bad_categories_are_refused(dsl, arguments, field):
    count = Category.objects.count()
    with pytest.raises(Invalid) as refused:
        add_category(viewer=dsl, **arguments)
    assert field in refused.value.errors
    assert Category.objects.count() == count


def test_categories_are_two_levels_deep(dsl):
    anxiety = Category.objects.get(name="Anxiety")
    with pytest.raises(Invalid, match="cannot have subcategories"):
        add_category(viewer=dsl, name="Exams", standard="mental_health", parent_id=anxiety.pk)
    with pytest.raises(Invalid, match="must stay at the top level"):
        move_category(viewer=dsl, category_id=Category.objects.get(name="Mental Health and "
                      "Wellbeing").pk, parent_id=Category.objects.get(name="SEND").pk)  # fmt: skip


def test_renaming_and_moving(dsl):
    bullying = Category.objects.get(name="Bullying")
    rename_category(viewer=dsl, category_id=bullying.pk, name="Bullying and harassment")
    moved = move_category(viewer=dsl, category_id=bullying.pk,
                          parent_id=Category.objects.get(name="Cause for Concern").pk)  # fmt: skip
    assert moved.label == "Cause for Concern: Bullying and harassment"
    assert move_category(viewer=dsl, category_id=bullying.pk, parent_id=None).parent is None


def test_a_category_moved_under_a_restricted_one_is_restricted_and_stays_so(abbey, dsl):
    with abbey:
        slt = verified_viewer(StaffFactory(role="SLT"))
    bullying = Category.objects.get(name="Bullying")
    assert not bullying.restricted and policy.may_read_category(slt, bullying.pk)
    protection = Category.objects.get(name="Child Protection")
    moved = move_category(viewer=dsl, category_id=bullying.pk, parent_id=protection.pk)
    assert Category.objects.get(pk=bullying.pk).restricted
    slt.forget_categories()
    assert not policy.may_read_category(slt, moved.pk)
    back = move_category(viewer=dsl, category_id=bullying.pk, parent_id=None)
    assert back.parent is None and Category.objects.get(pk=bullying.pk).restricted
    (audited,) = AuditEvent.objects.filter(action="permission_changed", object_id=bullying.pk)
    assert audited.actor_id == dsl.user.pk and '"restricted":true' in audited.detail


def test_a_roles_own_level_gives_way_to_the_restricted_parents(abbey, dsl):
    bullying = Category.objects.get(name="Bullying")
    with abbey:
        heads = StaffFactory(role="Heads of School")
    set_category_level(role=Role.objects.get(name="Heads of School"), category=bullying,
                       level="read")  # fmt: skip
    assert policy.may_read_category(verified_viewer(heads), bullying.pk)
    protection = Category.objects.get(name="Child Protection")
    move_category(viewer=dsl, category_id=bullying.pk, parent_id=protection.pk)
    assert not policy.may_read_category(verified_viewer(heads), bullying.pk)


def test_a_used_category_is_retired_not_deleted_and_stays_on_its_incidents(dsl):
    bullying = Category.objects.get(name="Bullying")
    incident = record_incident(
        viewer=dsl, pupil_id=PupilFactory().pk, text="Name-calling.",
        category_ids=[bullying.pk], occurred_at=timezone.now(),
    )  # fmt: skip
    with pytest.raises(Invalid, match="has been used, so it can only be retired"):
        delete_category(viewer=dsl, category_id=bullying.pk)
    retire_category(viewer=dsl, category_id=bullying.pk)
    assert list(incident.categories.all()) == [bullying]
    assert "Bullying" not in {c.name for c in policy.recordable_categories(dsl)}
    retire_category(viewer=dsl, category_id=bullying.pk, retired=False)
    assert "Bullying" in {c.name for c in policy.recordable_categories(dsl)}


def test_a_category_used_while_it_is_being_deleted_is_refused_and_kept(dsl, monkeypatch):
    bullying = Category.objects.get(name="Bullying")
    record_incident(
        viewer=dsl, pupil_id=PupilFactory().pk, text="Name-calling.",
        category_ids=[bullying.pk], occurred_at=timezone.now(),
    )  # fmt: skip
    # As if the incident arrived between the check and the delete.
    monkeypatch.setattr(
        IncidentCategory.objects, "filter", lambda *a, **kw: IncidentCategory.objects.none()
    )
    with pytest.raises(Invalid, match="has been used, so it can only be retired"):
        delete_category(viewer=dsl, category_id=bullying.pk)
    assert Category.objects.filter(pk=bullying.pk).exists()


def test_retiring_a_category_retires_its_subcategories(dsl):
    retire_category(viewer=dsl, category_id=Category.objects.get(name="Mental Health and "
                    "Wellbeing").pk)  # fmt: skip
    assert Category.objects.get(name="Self Harm").is_retired


def test_an_unused_category_may_be_deleted(dsl):
    added = add_category(viewer=dsl, name="Typo", standard="other")
    delete_category(viewer=dsl, category_id=added.pk)
    assert not Category.objects.filter(pk=added.pk).exists()


def test_agencies_are_added_renamed_and_retired(dsl):
    agency = add_agency(viewer=dsl, name="Barnardo's")
    with pytest.raises(Invalid, match="already an agency"):
        add_agency(viewer=dsl, name="barnardo's")
    assert rename_agency(viewer=dsl, agency_id=agency.pk, name="Barnardo's Services").name == (
        "Barnardo's Services"
    )
    assert retire_agency(viewer=dsl, agency_id=agency.pk).retired_at is not None
    assert Agency.objects.filter(name="Barnardo's Services").exists()


@pytest.mark.parametrize("role", ["SLT", "Heads of School", "Teachers"])
def test_only_the_safeguarding_team_keeps_categories_and_agencies(abbey, role):
    with abbey:
        viewer = verified_viewer(StaffFactory(role=role))
        for change in (
            lambda: add_category(viewer=viewer, name="New", standard="other"),
            lambda: retire_category(viewer=viewer, category_id=Category.objects.first().pk),
            lambda: add_agency(viewer=viewer, name="New"),
        ):
            with pytest.raises(NotPermitted):
                change()
