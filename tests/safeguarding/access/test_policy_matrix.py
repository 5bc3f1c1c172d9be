"""Role x category level x action: what each member of staff may see and do (Abbey policy
levels, Westleigh restrictions), written out case by case rather than derived."""

from __future__ import annotations

import pytest
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.models import CategoryLevel, IncidentGrant, Role
from safeguarding.access.services import set_category_level
from safeguarding.concerns.models import Category, Incident, IncidentCategory
from safeguarding.concerns.services import recategorise
from tests.factories import GroupFactory, PupilFactory, StaffFactory, UserFactory
from tests.sessions import verified_viewer

ROLES = ["Safeguarding team", "SLT", "Heads of School", "Teachers", "Support staff"]


def _incident(*category_names: str, by=None) -> Incident:
    """An incident recorded by someone other than the viewer unless `by` says otherwise."""
    author = by or StaffFactory(role="Safeguarding team")
    incident = Incident.objects.create(
        pupil=PupilFactory(), text="Synthetic concern.", occurred_at=timezone.now(),
        recorded_by=author,
    )  # fmt: skip
    for name in category_names:
        IncidentCategory.objects.create(incident=incident, category=Category.objects.get(name=name))
    return incident


def _sees(viewer, incident) -> bool:
    return policy.visible_incidents(viewer).filter(pk=incident.pk).exists()


# Reading incidents recorded by someone else ------------------------------------------------

READ = {
    # categories: (Safeguarding team, SLT, Heads of School, Teachers, Support staff)
    ("Behaviour",): (True, True, False, False, False),
    ("Child Protection",): (True, False, False, False, False),
    ("Safeguarding Concern",): (True, False, False, False, False),
    ("SEND",): (True, True, True, False, False),
    ("Anxiety",): (True, True, True, False, False),
    ("Self Harm",): (True, True, False, False, False),
    ("Behaviour", "Child Protection"): (True, False, False, False, False),
    ("SEND", "Behaviour"): (True, True, False, False, False),
}


@pytest.mark.parametrize(("categories", "role"), [(c, r) for c in READ for r in ROLES])
def test_who_reads_an_incident_someone_else_recorded(abbey, categories, role):
    with abbey:
        incident = _incident(*categories)
        viewer = verified_viewer(StaffFactory(role=role))
        assert _sees(viewer, incident) is READ[categories][ROLES.index(role)]


# Recording ---------------------------------------------------------------------------------

# Every member of staff may report a concern in any category, restricted ones included,
# until the school sets a level for the role (test_a_roles_own_level_for_a_category_decides_for_it).
RECORD = {
    "Behaviour": (True, True, True, True, True),
    "Child Protection": (True, True, True, True, True),
    "Safeguarding Concern": (True, True, True, True, True),
    "SEND": (True, True, True, True, True),
    "Child in Need": (True, True, True, True, True),
}


@pytest.mark.parametrize(("category", "role"), [(c, r) for c in RECORD for r in ROLES])
def test_who_may_record_in_a_category(abbey, category, role):
    with abbey:
        viewer = verified_viewer(StaffFactory(role=role))
        chosen = Category.objects.get(name=category)
        assert policy.may_record_in(viewer, chosen) is RECORD[category][ROLES.index(role)]
        offered = {c.name for c in policy.recordable_categories(viewer)}
        assert (category in offered) is RECORD[category][ROLES.index(role)]


@pytest.mark.parametrize("role", ROLES)
def test_nobody_records_in_a_retired_category(abbey, role):
    with abbey:
        Category.objects.filter(name="Bullying").update(retired_at=timezone.now())
        viewer = verified_viewer(StaffFactory(role=role))
        assert not policy.may_record_in(viewer, Category.objects.get(name="Bullying"))


# A role's own level for a category ---------------------------------------------------------

EXPLICIT = {
    # level set for SLT on Behaviour: (reads others' incidents, records, sees the title)
    CategoryLevel.NONE: (False, False, False),
    CategoryLevel.TITLE: (False, True, True),
    CategoryLevel.READ: (True, False, True),
    CategoryLevel.RECORD: (True, True, True),
}


@pytest.mark.parametrize("level", list(EXPLICIT))
def test_a_roles_own_level_for_a_category_decides_for_it(abbey, level):
    with abbey:
        behaviour = Category.objects.get(name="Behaviour")
        set_category_level(role=Role.objects.get(name="SLT"), category=behaviour, level=level)
        incident = _incident("Behaviour")
        viewer = verified_viewer(StaffFactory(role="SLT"))
        reads, records, title = EXPLICIT[level]
        assert _sees(viewer, incident) is reads
        assert policy.may_record_in(viewer, behaviour) is records
        assert policy.may_see_category_title(viewer, behaviour.pk) is title


def test_a_subcategory_takes_its_parents_level_unless_it_has_its_own(abbey):
    with abbey:
        slt = Role.objects.get(name="SLT")
        health = Category.objects.get(name="Mental Health and Wellbeing")
        set_category_level(role=slt, category=health, level=CategoryLevel.NONE)
        viewer = verified_viewer(StaffFactory(role="SLT"))
        assert not _sees(viewer, _incident("Self Harm"))
        set_category_level(
            role=slt, category=Category.objects.get(name="Self Harm"), level=CategoryLevel.READ
        )
        assert _sees(verified_viewer(StaffFactory(role="SLT")), _incident("Self Harm"))


def test_restricted_categories_can_be_opened_to_a_role(abbey):
    with abbey:
        set_category_level(
            role=Role.objects.get(name="SLT"),
            category=Category.objects.get(name="Child Protection"),
            level=CategoryLevel.READ,
        )
        assert _sees(verified_viewer(StaffFactory(role="SLT")), _incident("Child Protection"))


def test_write_only_staff_never_read_others_incidents_whatever_the_category_level(abbey):
    with abbey:
        set_category_level(
            role=Role.objects.get(name="Teachers"),
            category=Category.objects.get(name="Behaviour"),
            level=CategoryLevel.RECORD,
        )
        assert not _sees(verified_viewer(StaffFactory(role="Teachers")), _incident("Behaviour"))


def test_restricted_titles_are_visible_to_full_and_limited_but_not_write_only(abbey):
    with abbey:
        protection = Category.objects.get(name="Child Protection").pk
        seen = {
            role: policy.may_see_category_title(
                verified_viewer(StaffFactory(role=role)), protection
            )
            for role in ROLES
        }
    assert seen == {
        "Safeguarding team": True, "SLT": True, "Heads of School": True, "Teachers": False,
        "Support staff": False,
    }  # fmt: skip


# Need to know, and one's own incidents -------------------------------------------------------


@pytest.mark.parametrize("reason", IncidentGrant.Reason.values)
@pytest.mark.parametrize("role", ["SLT", "Heads of School", "Teachers", "Support staff"])
def test_being_alerted_or_forwarded_grants_reading_even_restricted_incidents(abbey, role, reason):
    with abbey:
        incident = _incident("Child Protection")
        staff = StaffFactory(role=role)
        assert not _sees(verified_viewer(staff), incident)
        IncidentGrant.objects.create(
            incident=incident, user=staff, reason=reason, granted_by=incident.recorded_by
        )
        assert _sees(verified_viewer(staff), incident)


PASS_ON = {
    # Someone alerted to an incident about a pupil outside their groups: may they alert
    # others or assign them an action?
    ("Behaviour",): (True, True, True, False, False),
    ("Child Protection",): (True, False, False, False, False),
    ("SEND", "Behaviour"): (True, True, True, False, False),
    ("Behaviour", "Child Protection"): (True, False, False, False, False),
}


@pytest.mark.parametrize(("categories", "role"), [(c, r) for c in PASS_ON for r in ROLES])
def test_who_may_pass_on_an_incident_they_were_alerted_to(abbey, categories, role):
    with abbey:
        incident = _incident(*categories)
        staff = StaffFactory(role=role)
        IncidentGrant.objects.create(
            incident=incident, user=staff, reason="alerted", granted_by=incident.recorded_by
        )
        viewer = verified_viewer(staff)
        assert _sees(viewer, incident)
        assert policy.may_pass_on(viewer, incident) is PASS_ON[categories][ROLES.index(role)]


@pytest.mark.parametrize(("categories", "passes_on"), [(("Behaviour",), True),
                                                       (("Child Protection",), False)])  # fmt: skip
def test_a_teacher_passes_on_what_they_could_have_recorded_about_their_own_pupil(
    abbey, categories, passes_on
):
    with abbey:
        form = GroupFactory(kind="form")
        incident = _incident(*categories)
        incident.pupil.form = form
        incident.pupil.save()
        teacher = StaffFactory(role="Teachers", groups=[form])
        IncidentGrant.objects.create(
            incident=incident, user=teacher, reason="alerted", granted_by=incident.recorded_by
        )
        assert policy.may_pass_on(verified_viewer(teacher), incident) is passes_on


@pytest.mark.parametrize("role", ["Teachers", "Support staff", "Heads of School"])
def test_staff_keep_reading_their_own_incident_after_a_dsl_restricts_it(abbey, role):
    with abbey:
        author = StaffFactory(role=role)
        incident = _incident("Behaviour", by=author)
        dsl = verified_viewer(StaffFactory(role="Safeguarding team"))
        recategorise(
            viewer=dsl, incident_id=incident.pk,
            category_ids=[Category.objects.get(name="Child Protection").pk],
        )  # fmt: skip
        assert _sees(verified_viewer(author), incident)
        assert not _sees(verified_viewer(StaffFactory(role=role)), incident)


def test_actions_and_files_follow_their_incident(abbey):
    with abbey:
        hidden = _incident("Child Protection")
        shown = _incident("Behaviour")
        for incident in (hidden, shown):
            incident.actions.create(
                kind="note", text="Follow-up.", occurred_at=timezone.now(),
                recorded_by=incident.recorded_by,
            )  # fmt: skip
        viewer = verified_viewer(StaffFactory(role="SLT"))
        assert set(policy.visible_actions(viewer).values_list("incident_id", flat=True)) >= {
            shown.pk
        }
        assert not policy.visible_actions(viewer).filter(incident=hidden).exists()


# Pupils, guardians and administration -------------------------------------------------------


def test_write_only_staff_record_about_their_own_groups_and_open_no_pupil_page(abbey):
    with abbey:
        form = GroupFactory(kind="form")
        teaching = GroupFactory(kind="teaching", name="10X/Ma1")
        in_form = PupilFactory(form=form)
        taught = PupilFactory()
        taught.groups.add(teaching)
        elsewhere = PupilFactory(form=GroupFactory(kind="form"))
        teacher = verified_viewer(StaffFactory(role="Teachers", groups=[form, teaching]))
        assert set(policy.recordable_pupils(teacher)) == {in_form, taught}
        assert not policy.visible_pupils(teacher).exists()
        slt = verified_viewer(StaffFactory(role="SLT"))
        assert {in_form, taught, elsewhere} <= set(policy.visible_pupils(slt))
        assert {in_form, taught, elsewhere} <= set(policy.recordable_pupils(slt))


def test_teachers_record_about_their_own_pupils_others_about_anyone_on_roll(abbey):
    with abbey:
        form = GroupFactory(kind="form")
        mine = PupilFactory(form=form)
        elsewhere = PupilFactory()
        left = PupilFactory(form=form, leaving_date=timezone.localdate())
        teacher = verified_viewer(StaffFactory(role="Teachers", groups=[form]))
        slt = verified_viewer(StaffFactory(role="SLT"))
        assert set(policy.recordable_pupils(teacher)) == {mine}
        assert policy.recordable_pupil(teacher, elsewhere.pk) is None
        assert policy.recordable_pupil(teacher, left.pk) is None
        assert {mine, elsewhere} <= set(policy.recordable_pupils(slt))
        assert left not in set(policy.recordable_pupils(slt))


def test_the_single_pupil_check_agrees_with_the_list_for_everyone(abbey):
    with abbey:
        year, form, set_ = (GroupFactory(kind=k) for k in ("year", "form", "teaching"))
        pupils = [
            PupilFactory(year_group=year),
            PupilFactory(form=form),
            PupilFactory(),
            PupilFactory(),
            PupilFactory(form=form, leaving_date=timezone.localdate()),
        ]
        pupils[2].groups.add(set_)
        viewers = [
            verified_viewer(StaffFactory(role="Teachers", groups=[year])),
            verified_viewer(StaffFactory(role="Teachers", groups=[form, set_])),
            verified_viewer(StaffFactory(role="Teachers")),
            verified_viewer(StaffFactory(role="SLT")),
            verified_viewer(UserFactory()),
        ]
        for viewer in viewers:
            listed = set(policy.recordable_pupils(viewer))
            one_by_one = {p for p in pupils if policy.recordable_pupil(viewer, p.pk)}
            assert one_by_one == listed & set(pupils)
        assert [len(set(policy.recordable_pupils(v)) & set(pupils)) for v in viewers] == [
            1, 2, 0, 4, 0
        ]  # fmt: skip
        for junk in (0, -1, 2**63, 10**30):
            assert policy.recordable_pupil(viewers[3], junk) is None


def test_someone_without_a_role_sees_nothing(abbey):
    with abbey:
        _incident("Behaviour")
        from tests.factories import UserFactory

        nobody = verified_viewer(UserFactory())
        assert not policy.visible_incidents(nobody).exists()
        assert not policy.visible_pupils(nobody).exists()
        assert not policy.recordable_pupils(nobody).exists()


@pytest.mark.parametrize(
    ("role", "guardians", "admin"),
    [
        ("Safeguarding team", True, True),
        ("SLT", True, False),
        ("Heads of School", True, False),
        ("Teachers", False, False),
        ("Support staff", False, False),
    ],
)
def test_guardians_and_administration(abbey, role, guardians, admin):
    with abbey:
        viewer = verified_viewer(StaffFactory(role=role))
    assert policy.may_see_guardians(viewer) is guardians
    assert policy.may_manage_school(viewer) is admin
    assert policy.may_change_incident(viewer) is admin
