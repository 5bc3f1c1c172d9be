"""The one place billing reads inside a school's schema: how many pupils it has on roll.
A count only; no name or other content leaves the school."""

from __future__ import annotations

import datetime

from django.db.models import Q

from tenants.models import School


def count_pupils_on_roll(school: School, *, on: datetime.date) -> int:
    """Pupils on `school`'s roll on the day `on`: admitted by then (or no admission date),
    and not left before it (or no leaving date)."""
    from safeguarding.people.models import Pupil

    with school:
        return Pupil.objects.filter(
            Q(admission_date__isnull=True) | Q(admission_date__lte=on),
            Q(leaving_date__isnull=True) | Q(leaving_date__gt=on),
        ).count()
