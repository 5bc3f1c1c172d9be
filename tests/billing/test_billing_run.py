"""The monthly billing run: one snapshot per school, one invoice per payer, nothing new the
second time."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import Invoice, Plan, Subscription, UsageSnapshot
from billing.services import billing_run
from tests.factories import PupilFactory

OPS = "ops@haven.example"  # who did it, as the audit records it

JAN = datetime.date(2027, 1, 1)


@pytest.fixture
def long_standing(abbey, westleigh, joined):
    """Both demo schools joined years ago, so January is a full month for each."""
    joined(abbey, datetime.date(2020, 9, 1))
    joined(westleigh, datetime.date(2020, 9, 1))
    return abbey, westleigh


def test_the_snapshot_counts_pupils_on_roll_at_the_end_of_the_month(long_standing):
    abbey, _ = long_standing
    with abbey:
        PupilFactory.create_batch(3)
        PupilFactory(leaving_date=datetime.date(2027, 1, 15))  # left during the month
        PupilFactory(leaving_date=datetime.date(2027, 2, 10))  # still on roll on the 31st
        PupilFactory(admission_date=datetime.date(2027, 2, 1))  # not yet admitted
        PupilFactory(admission_date=datetime.date(2027, 1, 31))  # admitted on the last day

    billing_run(month=JAN, by=OPS)

    assert UsageSnapshot.objects.get(school=abbey, month=JAN).pupils == 5


def test_a_trust_gets_one_invoice_with_a_line_per_school(long_standing):
    abbey, westleigh = long_standing

    result = billing_run(month=JAN, by=OPS)

    [invoice] = Invoice.objects.filter(number__in=result.invoices_issued)
    assert invoice.trust == abbey.trust and invoice.school is None
    assert invoice.customer_name == "Demo Academy Trust"
    assert [line.school for line in invoice.lines.all()] == [abbey, westleigh]
    # Both below the default plan's minimum: 600 / 12 each.
    assert [line.amount for line in invoice.lines.all()] == [Decimal("50.00")] * 2
    assert (invoice.net, invoice.vat_rate, invoice.vat, invoice.gross) == (
        Decimal("100.00"),
        Decimal("0.2000"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert invoice.status == Invoice.Status.ISSUED


def test_a_school_that_pays_for_itself_gets_its_own_invoice(long_standing):
    abbey, westleigh = long_standing
    per_pupil = Plan.objects.create(
        code="per-pupil", name="Per pupil", annual_price_per_pupil=Decimal("2.01"),
        minimum_annual_charge=Decimal("0"),
    )  # fmt: skip
    Subscription.objects.create(school=abbey, plan=per_pupil, payer=Subscription.Payer.SCHOOL)
    with abbey:
        PupilFactory.create_batch(5)

    result = billing_run(month=JAN, by=OPS)

    assert len(result.invoices_issued) == 2
    own = Invoice.objects.get(school=abbey, month=JAN)
    [line] = own.lines.all()
    assert (line.pupils, line.amount) == (5, Decimal("0.84"))  # 10.05 / 12 = 0.8375
    assert (own.net, own.vat, own.gross) == (Decimal("0.84"), Decimal("0.17"), Decimal("1.01"))
    trust_invoice = Invoice.objects.get(trust=westleigh.trust, month=JAN)
    assert [line.school for line in trust_invoice.lines.all()] == [westleigh]


def test_a_school_that_joined_mid_month_pays_from_its_joining_day(long_standing, joined):
    abbey, westleigh = long_standing
    joined(westleigh, datetime.date(2027, 1, 17))  # 15 of January's 31 days

    billing_run(month=JAN, by=OPS)

    line = Invoice.objects.get(trust=abbey.trust, month=JAN).lines.get(school=westleigh)
    assert line.amount == Decimal("24.19")  # 50 x 15 / 31 = 24.193...


def test_a_school_that_joins_after_the_month_is_not_billed_for_it(long_standing, joined):
    abbey, westleigh = long_standing
    joined(westleigh, datetime.date(2027, 2, 1))

    billing_run(month=JAN, by=OPS)

    invoice = Invoice.objects.get(trust=abbey.trust, month=JAN)
    assert [line.school for line in invoice.lines.all()] == [abbey]
    assert not UsageSnapshot.objects.filter(school=westleigh).exists()


def test_a_second_run_for_the_same_month_creates_nothing_new(long_standing):
    first = billing_run(month=JAN, by=OPS)
    counts = (Invoice.objects.count(), UsageSnapshot.objects.count(), Subscription.objects.count())

    second = billing_run(month=JAN, by=OPS)

    assert (first.snapshots_taken, len(first.invoices_issued)) == (2, 1)
    assert (second.snapshots_taken, second.invoices_issued, second.already_invoiced) == (0, [], 1)
    assert counts == (
        Invoice.objects.count(),
        UsageSnapshot.objects.count(),
        Subscription.objects.count(),
    )


def test_the_database_refuses_a_second_invoice_for_a_payer_and_month(long_standing):
    [number] = billing_run(month=JAN, by=OPS).invoices_issued
    invoice = Invoice.objects.get(number=number)
    invoice.pk, invoice.number = None, "INV-TWICE"

    with pytest.raises(IntegrityError), transaction.atomic():
        invoice.save()


def test_invoice_numbers_follow_each_other(long_standing):
    first = billing_run(month=JAN, by=OPS).invoices_issued
    second = billing_run(month=datetime.date(2027, 2, 1), by=OPS).invoices_issued

    [a], [b] = first, second
    assert a.startswith("INV-") and len(a) == len("INV-000123")
    assert int(b[4:]) == int(a[4:]) + 1
