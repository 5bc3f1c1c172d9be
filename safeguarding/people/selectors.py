"""Finding pupils and staff by what someone types, inside what the policy lets them see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from safeguarding.people.models import Pupil

LIMIT = 10


def search_pupils(pupils: QuerySet[Pupil], query: str, limit: int = LIMIT) -> list[Pupil]:
    """Every word typed must start one of the pupil's names; a whole UPN matches too."""
    words = (query or "").split()
    if not words:
        return []
    matches = pupils.select_related("form", "year_group")
    if len(words) == 1 and len(words[0]) == 13:
        by_upn = list(matches.filter(upn=words[0].upper()))
        if by_upn:
            return by_upn
    for word in words[:4]:
        matches = matches.filter(
            Q(legal_first_name__istartswith=word)
            | Q(legal_last_name__istartswith=word)
            | Q(preferred_first_name__istartswith=word)
            | Q(preferred_last_name__istartswith=word)
        )
    return list(matches.order_by("legal_last_name", "legal_first_name")[:limit])


def staff_members() -> QuerySet[User]:
    return User.objects.filter(is_active=True, staff_profile__isnull=False).select_related(
        "staff_profile__role"
    )


def search_staff(query: str, limit: int = LIMIT) -> list[User]:
    words = (query or "").split()
    if not words:
        return []
    matches = staff_members()
    for word in words[:4]:
        matches = matches.filter(
            Q(full_name__icontains=word)
            | Q(email__istartswith=word)
            | Q(staff_profile__initials__iexact=word)
        )
    return list(matches.order_by("full_name", "email")[:limit])
