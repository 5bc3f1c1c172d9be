"""Who is signed in, as each school page loads them: account, profile and role at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import HavenBackend
from safeguarding.people.models import StaffProfile
from tests.factories import StaffFactory, UserFactory


def test_a_member_of_staff_comes_with_their_profile_and_role_in_one_query(abbey):
    with abbey:
        teacher = StaffFactory(email="t@abbey.example", role="Teachers")
        with CaptureQueriesContext(connection) as queries:
            user = HavenBackend().get_user(str(teacher.pk))
            seen = (user.email, user.staff_profile.initials, user.staff_profile.role.name)
        assert seen == ("t@abbey.example", teacher.staff_profile.initials, "Teachers")
        assert user.staff_profile.user is user
        assert len([q for q in queries.captured_queries if "search_path" not in q["sql"]]) == 1


def test_an_account_without_a_profile_has_none(abbey):
    with abbey:
        visitor = UserFactory(email="v@abbey.example")
        user = HavenBackend().get_user(visitor.pk)
        assert user == visitor
        with pytest.raises(StaffProfile.DoesNotExist):
            user.staff_profile  # noqa: B018


@pytest.mark.parametrize("junk", [None, "x", "10000000", str(2**63), "-1"])
def test_an_unknown_or_deactivated_account_is_nobody(abbey, junk):
    with abbey:
        gone = StaffFactory(email="gone@abbey.example", is_active=False)
        backend = HavenBackend()
        assert backend.get_user(gone.pk) is None
        assert backend.get_user(junk) is None
