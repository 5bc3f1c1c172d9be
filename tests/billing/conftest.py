"""Billing tests start from the seeded plan and rate; schools are the session's `abbey` and
`westleigh`, both in trust `demo`."""

from __future__ import annotations

import datetime

import pytest


@pytest.fixture
def joined(db):
    """Backdates a school's joining (School.created) to a day, at noon London time."""
    from django.utils import timezone

    from tenants.models import School

    def backdate(school, day: datetime.date):
        created = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        School.objects.filter(pk=school.pk).update(created=created)
        school.refresh_from_db()
        return school

    return backdate
