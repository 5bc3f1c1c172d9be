"""Payments go through a provider's adapter chosen by name; a bank transfer is recorded by an
operator, never for more than is owed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from billing import payments
from billing.errors import InvalidPayment, Overpayment, UnknownProvider, WebhooksNotSupported
from billing.models import Invoice, Payment
from billing.services import issue_credit_note
from console.models import OperatorAction
from tests.billing.conftest import OPS


def _pay(invoice: Invoice, amount: str, **changes) -> Payment:
    given = {
        "provider_name": "bank_transfer",
        "invoice_number": invoice.number,
        "amount": Decimal(amount),
        "received_on": invoice.issued_on,
        "reference": "BACS 1234",
        "by": OPS,
        **changes,
    }
    return payments.record_payment(**given)


def test_a_bank_transfer_is_recorded_with_its_method_and_reference(trust_invoice):
    payment = _pay(trust_invoice, "120.00")

    assert (payment.method, payment.reference, payment.recorded_by) == (
        "bank_transfer",
        "BACS 1234",
        OPS,
    )
    assert payment.get_method_display() == "Bank transfer"
    trust_invoice.refresh_from_db()
    assert trust_invoice.status == Invoice.Status.PAID
    entry = OperatorAction.objects.get(act="payment_recorded")
    assert (entry.subject, entry.trust, entry.outcome) == (
        trust_invoice.number,
        trust_invoice.trust,
        "done",
    )
    assert entry.detail["amount"] == "120.00"


def test_payment_methods_are_the_providers_names():
    assert Payment._meta.get_field("method").choices == [("bank_transfer", "Bank transfer")]
    assert isinstance(payments.provider("bank_transfer"), payments.PaymentProvider)
    assert [p.name for p in payments.operator_providers()] == ["bank_transfer"]


def test_paying_more_than_is_owed_is_refused_whole_and_audited(trust_invoice):
    _pay(trust_invoice, "100.00")

    with pytest.raises(Overpayment, match=r"£20\.01 is more than the £20\.00 still owed"):
        _pay(trust_invoice, "20.01")

    assert [p.amount for p in trust_invoice.payments.all()] == [Decimal("100.00")]
    trust_invoice.refresh_from_db()
    assert trust_invoice.status == Invoice.Status.ISSUED
    refused = OperatorAction.objects.get(act="payment_recorded", outcome="refused")
    assert "still owed" in refused.reason


def test_credit_notes_count_against_what_is_owed(trust_invoice):
    issue_credit_note(
        invoice_number=trust_invoice.number, amount=Decimal("60.00"), reason="Roll", by=OPS
    )
    with pytest.raises(Overpayment, match=r"£60\.00 still owed"):
        _pay(trust_invoice, "60.01")
    _pay(trust_invoice, "60.00")
    with pytest.raises(Overpayment, match="Nothing is owed"):
        _pay(trust_invoice, "0.01")


def test_an_unknown_provider_is_refused_and_audited(trust_invoice):
    with pytest.raises(UnknownProvider, match="use one of: bank_transfer"):
        _pay(trust_invoice, "10.00", provider_name="bitcoin")
    assert not Payment.objects.exists()
    assert OperatorAction.objects.get(outcome="refused").subject == trust_invoice.number


def test_money_cannot_arrive_tomorrow(trust_invoice):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(InvalidPayment, match="after today"):
        _pay(trust_invoice, "10.00", received_on=tomorrow)
    assert not Payment.objects.exists()


def test_a_bank_transfer_has_no_webhook():
    with pytest.raises(WebhooksNotSupported):
        payments.provider("bank_transfer").handle_webhook(body=b"{}", headers={})
