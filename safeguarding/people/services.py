"""Writes to a school's people: staff profiles, groups, pupils and guardians. (Schools'
rolls arrive by MIS import; these are what the import, onboarding and demo data call.)"""

from __future__ import annotations

import re

from django.db import transaction

from accounts.models import User
from safeguarding.access.models import Role
from safeguarding.people.models import Group, Pupil, StaffMembership, StaffProfile


def initials_for(user: User) -> str:
    """Seeds: "use staff initials only". From the name, else the email's local part."""
    words = re.findall(r"[A-Za-z]+", user.full_name) or re.findall(
        r"[A-Za-z]+", user.email.split("@")[0]
    )
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    return (words[0][:2] if words else "??").upper()


def create_staff_profile(
    *, user: User, role: Role, initials: str = "", job_title: str = ""
) -> StaffProfile:
    return StaffProfile.objects.create(
        user=user, role=role, initials=(initials or initials_for(user))[:5], job_title=job_title
    )


def create_group(*, name: str, kind: str, staff: list[User] = ()) -> Group:
    with transaction.atomic():
        group = Group.objects.create(name=name, kind=kind)
        StaffMembership.objects.bulk_create(StaffMembership(user=u, group=group) for u in staff)
    return group


def create_pupil(**fields) -> Pupil:
    pupil = Pupil(**fields)
    pupil.full_clean()
    pupil.save()
    return pupil
