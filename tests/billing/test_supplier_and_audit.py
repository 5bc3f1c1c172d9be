"""The supplier on an invoice comes from configuration and is kept on it when issued; every
billing write, from the console, the API or the command line, is in the operators' audit."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import Invoice
from billing.pdf import address_lines, invoice_html, supplier
from billing.pricing import parse_amount, pounds
from console.models import OperatorAction


def _configure_supplier(settings, name: str, address: str, vat_number: str) -> None:
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG,
        supplier_name=name,
        supplier_address=address,
        supplier_vat_number=vat_number,
    )


def test_the_invoice_keeps_the_supplier_it_was_issued_by(abbey, westleigh, joined, settings):
    from billing.services import billing_run

    _configure_supplier(settings, "Synthetic Supplies Ltd", "2 Sample Road, Leeds, LS1 1AA",
                        "GB 123 4567 89")  # fmt: skip
    joined(abbey, datetime.date(2020, 9, 1))
    [number] = billing_run(month=datetime.date(2027, 1, 1), by="ops@haven.example").invoices_issued
    _configure_supplier(settings, "Renamed Holdings plc", "9 Other Street, York", "GB 999")

    html = invoice_html(Invoice.objects.get(number=number))

    assert "Synthetic Supplies Ltd" in html
    assert "2 Sample Road<br>Leeds<br>LS1 1AA" in html
    assert "VAT registration number GB 123 4567 89" in html
    assert "Renamed Holdings" not in html and "Other Street" not in html


def test_an_invoice_issued_before_suppliers_were_kept_names_the_configured_one(
    trust_invoice, settings
):
    Invoice.objects.filter(pk=trust_invoice.pk).update(
        supplier_name="", supplier_address="", supplier_vat_number=""
    )
    trust_invoice.refresh_from_db()
    _configure_supplier(settings, "Synthetic Supplies Ltd", "2 Sample Road, Leeds, LS1 1AA",
                        "GB 123 4567 89")  # fmt: skip

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
