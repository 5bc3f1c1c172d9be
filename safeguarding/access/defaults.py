"""The roles every school starts with (Abbey policy, "Permission levels") and what each
level sees of a category unless the school says otherwise."""

from __future__ import annotations

from safeguarding.access.models import CategoryLevel, Level

SAFEGUARDING_TEAM = "Safeguarding team"
SLT = "SLT"
HEADS_OF_SCHOOL = "Heads of School"
TEACHERS = "Teachers"
SUPPORT_STAFF = "Support staff"

# (name, level, requires a second factor)
DEFAULT_ROLES = (
    (SAFEGUARDING_TEAM, Level.FULL_ADMIN, True),
    (SLT, Level.FULL, True),
    (HEADS_OF_SCHOOL, Level.LIMITED, True),
    (TEACHERS, Level.WRITE_ONLY, False),
    (SUPPORT_STAFF, Level.WRITE_ONLY, False),
)


def default_category_level(level: str, *, restricted: bool) -> CategoryLevel:
    """Full + admin records everywhere. Full reads and records everything but restricted
    categories, where it sees only that the category is open. Limited sees titles only,
    until a category is granted to the role. Write-only records in unrestricted
    categories and reads only its own incidents and those it was alerted to."""
    if level == Level.FULL_ADMIN:
        return CategoryLevel.RECORD
    if level == Level.FULL:
        return CategoryLevel.TITLE if restricted else CategoryLevel.RECORD
    if level == Level.LIMITED:
        return CategoryLevel.TITLE
    return CategoryLevel.NONE if restricted else CategoryLevel.RECORD
