"""The supplier on an invoice comes from configuration; every billing write, from the
console, the API or the command line, is in the operators' audit."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing.pdf import address_lines, invoice_html, supplier
from billing.pricing import parse_amount, pounds
from console.models import OperatorAction


def test_the_invoice_names_the_configured_supplier(trust_invoice, settings):
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG,
        supplier_name="Synthetic Supplies Ltd",
        supplier_address="2 Sample Road, Leeds, LS1 1AA",
        supplier_vat_number="GB 123 4567 89",
    )

    html = invoice_html(trust_invoice)

    assert supplier().address_lines == ("2 Sample Road", "Leeds", "LS1 1AA")
    assert "Synthetic Supplies Ltd" in html
    assert "2 Sample Road<br>Leeds<br>LS1 1AA" in html
    assert "VAT registration number GB 123 4567 89" in html


@pytest.mark.parametrize(
    ("written", "lines"),
    [
        ("1 Example Street, London, EC1A 1AA", ("1 Example Street", "London", "EC1A 1AA")),
        ("Unit 4, The Mill\\nLeeds\\nLS1 1AA", ("Unit 4, The Mill", "Leeds", "LS1 1AA")),
        ("Unit 4, The Mill\nLeeds", ("Unit 4, The Mill", "Leeds")),
    ],
)
def test_an_address_splits_at_line_breaks_before_commas(written, lines):
    assert address_lines(written) == lines


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(Decimal("1234.5"), "£1,234.50"), (Decimal("0.05"), "£0.05"), (Decimal("-3"), "-£3.00")],
)
def test_money_is_written_in_pounds_with_thousands(amount, shown):
    assert pounds(amount) == shown


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("£1,234.56", Decimal("1234.56")), (" 12 ", Decimal("12")), ("abc", None), ("", None),
     ("NaN", None)],
)  # fmt: skip
def test_typed_money_is_read_or_left_to_the_service_to_refuse(typed, amount):
    assert parse_amount(typed) == amount


def test_the_command_lines_billing_run_is_audited_as_the_cli(abbey, westleigh, joined):
    joined(abbey, datetime.date(2020, 9, 1))
    joined(westleigh, datetime.date(2020, 9, 1))

    call_command("billing_run", month="2027-04", stdout=StringIO())

    entry = OperatorAction.objects.get(act="billing_run")
    assert (entry.operator_email, entry.subject, entry.outcome) == ("haven cli", "2027-04", "done")
    assert entry.detail["issued"] == 1 and entry.detail["snapshots_taken"] == 2


def test_a_run_refused_for_want_of_a_vat_rate_writes_nothing_and_is_audited(abbey, joined):
    from billing.errors import NoRateInForce
    from billing.models import Invoice, UsageSnapshot, VatRate
    from billing.services import billing_run

    VatRate.objects.all().delete()
    with pytest.raises(NoRateInForce):
        billing_run(month="2027-05", by="ops@haven.example")

    assert not Invoice.objects.exists() and not UsageSnapshot.objects.exists()
    assert OperatorAction.objects.get(act="billing_run").outcome == "refused"
