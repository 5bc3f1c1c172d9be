"""What a school starts with: its category template, agencies, roles and first DSL."""

from __future__ import annotations

import pytest

from accounts.models import User
from safeguarding.access.models import CategoryLevel, CategoryPermission, Level, Role
from safeguarding.concerns.catalogue import PRIMARY
from safeguarding.concerns.models import Agency, Category
from safeguarding.concerns.taxonomy import Standard
from tenants.errors import InvalidSchoolDetails
from tenants.models import School
from tenants.services import onboard_school


def _tree() -> dict[str, list[str]]:
    return {
        top.name: [child.name for child in top.children.order_by("position")]
        for top in Category.objects.filter(parent=None).order_by("position")
    }


def test_a_primary_school_starts_with_all_of_westleighs_appendix_a(westleigh):
    with westleigh:
        tree = _tree()
        assert list(tree) == [entry.name for entry in PRIMARY]
        assert tree["Attendance"] == [
            "Early Help", "Internal monitoring", "PN", "PN fine", "Punctuality", "School meeting"
        ]  # fmt: skip
        assert tree["Behaviour"] == ["Negative behaviour", "Positive behaviour", "Team teach"]
        assert "Child on Child Abuse" in tree["Cause for concern"]
        assert tree["SEN"][-1] == "Plan do review"
        assert len(tree["Safeguarding"]) == 11
        assert sum(len(children) for children in tree.values()) + len(tree) == 46


def test_safeguarding_and_slt_are_restricted_with_everything_under_them(westleigh):
    with westleigh:
        restricted = set(Category.objects.filter(restricted=True).values_list("name", flat=True))
        assert {"Safeguarding", "SLT", "Operation Encompass", "CP plan", "CIN notes"} <= restricted
        assert not Category.objects.get(name="Behaviour").restricted


def test_every_category_maps_to_a_standard_one(abbey, westleigh):
    for school in (abbey, westleigh):
        with school:
            assert set(Category.objects.values_list("standard", flat=True)) <= set(Standard.values)
    with westleigh:
        assert Category.objects.get(name="Operation Encompass").standard == Standard.DOMESTIC_ABUSE


def test_a_secondary_school_starts_with_abbeys_list(abbey):
    with abbey:
        tops = list(_tree())
    for name in [
        "Attendance", "Cause for Concern", "Child Protection", "Mental Health and Wellbeing",
        "Safeguarding Concern", "SEND",
    ]:  # fmt: skip
        assert name in tops


def test_the_abbey_roles_exist_with_their_levels_and_second_factor(abbey):
    with abbey:
        roles = {r.name: (r.level, r.requires_2fa) for r in Role.objects.all()}
    assert roles == {
        "Safeguarding team": (Level.FULL_ADMIN, True),
        "SLT": (Level.FULL, True),
        "Heads of School": (Level.LIMITED, True),
        "Teachers": (Level.WRITE_ONLY, False),
        "Support staff": (Level.WRITE_ONLY, False),
    }


def test_heads_of_school_are_given_the_areas_the_abbey_policy_opens_to_them(abbey):
    with abbey:
        opened = set(
            CategoryPermission.objects.filter(
                role__name="Heads of School", level=CategoryLevel.RECORD
            ).values_list("category__name", flat=True)
        )
    assert opened == {"Attendance", "SEND", "Looked After Children", "PEP", "Anxiety",
                      "Eating Disorder"}  # fmt: skip


def test_the_first_dsl_is_in_the_safeguarding_team(abbey):
    with abbey:
        dsl = User.objects.get(email="dsl@abbey.example")
        assert dsl.staff_profile.role.name == "Safeguarding team"
        assert dsl.staff_profile.initials == "DS"


def test_agencies_include_the_ones_the_seeds_name(abbey):
    with abbey:
        names = set(Agency.objects.values_list("name", flat=True))
    assert {"Police", "Children's social care", "CAMHS", "LADO", "Operation Encompass"} <= names


def test_an_unknown_template_is_refused_and_changes_nothing(db):
    with pytest.raises(InvalidSchoolDetails, match="no category template called 'college'"):
        onboard_school(
            slug="elmtree", name="Elm Tree", admin_email="d@elm.example", template="college"
        )
    assert not School.objects.filter(slug="elmtree").exists()


def test_an_alternative_provision_template_exists(db):
    school = onboard_school(
        slug="bridge", name="Bridge PRU", admin_email="d@bridge.example",
        template="alternative-provision",
    ).school  # fmt: skip
    with school:
        assert Category.objects.get(name="Exploitation").restricted
        assert Category.objects.get(name="County lines").restricted
