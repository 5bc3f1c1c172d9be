"""What the policy keeps between requests can never outlive a change to categories or roles."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from safeguarding.access import policy
from safeguarding.access.models import CategoryLevel, Role
from safeguarding.access.services import set_category_level
from safeguarding.concerns.models import Category
from tests.factories import StaffFactory
from tests.sessions import verified_viewer


def _version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM access_policyversion")
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda: Category.objects.filter(name="Bullying").update(name="Bullying online"),
        lambda: Category.objects.create(name="Gangs", standard="exploitation"),
        lambda: set_category_level(
            role=Role.objects.get(name="SLT"),
            category=Category.objects.get(name="SEND"),
            level="none",
        ),
        lambda: Role.objects.filter(name="SLT").update(level="limited"),
        lambda: connection.cursor().execute("UPDATE concerns_category SET position = position"),
    ],
)
def test_any_change_to_categories_levels_or_roles_advances_the_version(abbey, change):
    with abbey:
        before = _version()
        change()
        assert _version() > before


def test_a_version_is_never_reused_after_a_rollback(abbey):
    with abbey:
        before = _version()
        with pytest.raises(RuntimeError), transaction.atomic():
            Category.objects.create(name="Temporary", standard="other")
            rolled_back = _version()
            raise RuntimeError("undo")
        assert _version() == before
        Category.objects.create(name="Kept", standard="other")
        assert _version() not in (before, rolled_back)


def test_answers_are_reused_until_the_version_moves(abbey):
    with abbey:
        slt = Role.objects.get(name="SLT")
        first = policy._school_categories(policy._policy_key(), slt)
        assert policy._school_categories(policy._policy_key(), slt) is first
        behaviour = Category.objects.get(name="Behaviour")
        set_category_level(role=slt, category=behaviour, level=CategoryLevel.NONE)
        fresh = policy._school_categories(policy._policy_key(), slt)
        assert fresh is not first
        assert fresh[behaviour.pk].role_level == "none"
        viewer = verified_viewer(StaffFactory(role="SLT"))
        assert not policy.may_record_in(viewer, behaviour)


def test_each_school_keeps_its_own_answers(abbey, westleigh):
    with abbey:
        abbey_names = {
            c.name
            for c in policy._school_categories(
                policy._policy_key(), Role.objects.get(name="SLT")
            ).values()
        }
    with westleigh:
        westleigh_names = {
            c.name
            for c in policy._school_categories(
                policy._policy_key(), Role.objects.get(name="SLT")
            ).values()
        }
    assert "Safeguarding Concern" in abbey_names and "Safeguarding Concern" not in westleigh_names
    assert "Team teach" in westleigh_names and "Team teach" not in abbey_names
