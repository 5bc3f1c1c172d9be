"""Credit notes correct an invoice instead of editing it, and never for more than is left."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from billing.errors import CreditTooLarge, InvalidAmount
from billing.models import CreditNote, DocumentCounter, Invoice
from billing.services import billing_run, issue_credit_note, record_payment

OPS = "ops@haven.example"  # who did it, as the audit records it


@pytest.fixture
def invoice(abbey, westleigh, joined) -> Invoice:
    """The demo trust's invoice for January 2027: £100.00 net, £120.00 gross."""
    joined(abbey, datetime.date(2020, 9, 1))
    joined(westleigh, datetime.date(2020, 9, 1))
    [number] = billing_run(month=datetime.date(2027, 1, 1), by=OPS).invoices_issued
    return Invoice.objects.get(number=number)


def test_a_credit_note_larger_than_the_invoice_is_refused_and_nothing_is_written(invoice):
    before = DocumentCounter.objects.get(series="credit_note").last_number

    with pytest.raises(CreditTooLarge, match=r"more than the £120\.00 left"):
        issue_credit_note(
            invoice_number=invoice.number, amount=Decimal("120.01"), reason="x", by=OPS
        )

    assert not CreditNote.objects.exists()
    assert DocumentCounter.objects.get(series="credit_note").last_number == before
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED


def test_credit_notes_together_may_not_exceed_the_invoice(invoice):
    first = issue_credit_note(
        invoice_number=invoice.number, amount=Decimal("100.00"), reason="Wrong roll count", by=OPS
    )
    with pytest.raises(CreditTooLarge, match=r"£20\.00 left"):
        issue_credit_note(
            invoice_number=invoice.number, amount=Decimal("20.01"), reason="x", by=OPS
        )
    last = issue_credit_note(
        invoice_number=invoice.number, amount=Decimal("20.00"), reason="y", by=OPS
    )

    assert first.number.startswith("CN-") and int(last.number[3:]) == int(first.number[3:]) + 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert invoice.gross == Decimal("120.00")  # the invoice itself is never edited


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00"), Decimal("1.001")])
def test_a_credit_note_must_be_positive_pounds_and_pence(invoice, amount):
    with pytest.raises(InvalidAmount):
        issue_credit_note(invoice_number=invoice.number, amount=amount, reason="x", by=OPS)
    assert not CreditNote.objects.exists()


def test_an_invoice_is_paid_once_payments_and_credits_cover_it(invoice):
    issue_credit_note(
        invoice_number=invoice.number, amount=Decimal("20.00"), reason="Goodwill", by=OPS
    )
    record_payment(
        invoice_number=invoice.number, amount=Decimal("99.99"),
        received_on=invoice.issued_on, by=OPS,
    )  # fmt: skip
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED

    payment = record_payment(
        invoice_number=invoice.number, amount=Decimal("0.01"),
        received_on=invoice.issued_on, by=OPS,
    )  # fmt: skip

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert payment.method == "bank_transfer"
