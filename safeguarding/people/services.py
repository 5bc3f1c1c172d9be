"""Writes to a school's people. (Rolls of pupils and groups will arrive by MIS import; for
now onboarding, demo data and tests make them.)"""

from __future__ import annotations

import re

from accounts.models import User
from safeguarding.access.models import Role
from safeguarding.people.models import StaffProfile


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
