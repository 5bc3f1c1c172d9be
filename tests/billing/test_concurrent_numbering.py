"""Two billing runs at once, each on a connection of its own, on committed schools: every
payer is invoiced once, and the invoice numbers have no gap and no repeat."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections

from billing.models import (
    DocumentCounter,
    Invoice,
    InvoiceLine,
    Subscription,
    UsageSnapshot,
)
from billing.services import billing_run
from tenants.models import School

OPS = "ops@haven.example"  # who did it, as the audit records it

pytestmark = pytest.mark.django_db

# A month no other test bills, so the committed rows here are easy to tell and remove.
MONTH = datetime.date(2031, 3, 1)


class _StackPerThread(threading.local):
    """django-tenants keeps the schemas `with school:` returns to in one list on the class;
    each thread here gets its own (as in tests/safeguarding/transfers/test_lock_order.py)."""

    def __init__(self) -> None:
        self.stack: list = []

    def append(self, tenant) -> None:
        self.stack.append(tenant)

    def pop(self):
        return self.stack.pop()


@pytest.fixture(scope="module")
def committed_payers(django_db_setup, django_db_blocker):
    """abbey pays for itself, westleigh is paid for by its trust: two payers, committed so
    that other connections see them (module-scoped, so it is set up before the test's own
    transaction begins). Everything billed is removed afterwards and the counter put back."""
    with django_db_blocker.unblock():
        abbey = School.objects.get(slug="abbey")
        own = Subscription.objects.create(
            school=abbey,
            plan_id=_default_plan_id(),
            payer=Subscription.Payer.SCHOOL,
        )
        counter_before = DocumentCounter.objects.get(series="invoice").last_number
        try:
            yield counter_before
        finally:
            InvoiceLine.objects.filter(invoice__month=MONTH).delete()
            Invoice.objects.filter(month=MONTH).delete()
            UsageSnapshot.objects.filter(month=MONTH).delete()
            Subscription.objects.exclude(pk=own.pk).filter(school__slug="westleigh").delete()
            own.delete()
            DocumentCounter.objects.filter(series="invoice").update(last_number=counter_before)


def _default_plan_id() -> int:
    from billing.models import Plan

    return Plan.objects.get(is_default=True).pk


def test_two_runs_at_once_issue_each_invoice_once_with_gapless_numbers(
    committed_payers, monkeypatch
):
    counter_before = committed_payers
    monkeypatch.setattr(School, "_previous_tenant", _StackPerThread())
    # The operators' audit is append-only: committed here, it could never be removed.
    audited: list[dict] = []
    monkeypatch.setattr("console.audit.record", lambda **entry: audited.append(entry))
    start = threading.Barrier(2)
    outcomes: list = [None, None]

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            outcomes[index] = billing_run(month=MONTH, by=OPS)
        except BaseException as error:  # handed back to the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    issued = sorted(number for o in outcomes for number in o.invoices_issued)
    assert sum(o.already_invoiced for o in outcomes) == 2  # each payer skipped by one run
    assert issued == [f"INV-{counter_before + 1:06d}", f"INV-{counter_before + 2:06d}"]
    assert sorted(Invoice.objects.filter(month=MONTH).values_list("number", flat=True)) == issued
    assert DocumentCounter.objects.get(series="invoice").last_number == counter_before + 2
    assert UsageSnapshot.objects.filter(month=MONTH).count() == 2
    assert [entry["act"] for entry in audited] == ["billing_run", "billing_run"]
