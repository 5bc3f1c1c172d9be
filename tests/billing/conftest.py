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


OPS = "ops@haven.example"


@pytest.fixture
def trust_invoice(abbey, westleigh, joined):
    """The demo trust's invoice for January 2027, covering abbey and westleigh (both joined
    years ago): £100.00 net, £120.00 gross, issued today and due in 30 days."""
    from billing.models import Invoice
    from billing.services import billing_run

    joined(abbey, datetime.date(2020, 9, 1))
    joined(westleigh, datetime.date(2020, 9, 1))
    [number] = billing_run(month=datetime.date(2027, 1, 1), by=OPS).invoices_issued
    return Invoice.objects.get(number=number)


@pytest.fixture
def operator(db):
    from tests.factories import OperatorFactory

    return OperatorFactory(email="ops@haven.example")


@pytest.fixture
def console(operator):
    """The platform host, as an operator whose session verified a second factor."""
    from tests.sessions import platform_client

    return platform_client(operator)
