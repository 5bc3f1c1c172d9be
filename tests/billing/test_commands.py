"""`haven billing-run --month YYYY-MM` and `haven invoice-pdf INV-000123`."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import Invoice


@pytest.fixture
def long_standing(abbey, westleigh, joined):
    joined(abbey, datetime.date(2020, 9, 1))
    joined(westleigh, datetime.date(2020, 9, 1))


def _run(*args: str, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_billing_run_prints_what_it_issued_then_nothing_new(long_standing):
    first = _run("billing_run", month="2027-01")
    [invoice] = Invoice.objects.filter(month=datetime.date(2027, 1, 1))

    second = _run("billing_run", month="2027-01")

    assert f"Issued {invoice.number}." in first
    assert "2 usage snapshot(s) taken" in first
    assert "January 2027: nothing new (1 already invoiced)." in second
    assert Invoice.objects.filter(month=datetime.date(2027, 1, 1)).count() == 1


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "November", "2026-11-01", "1999-12"])
def test_billing_run_refuses_a_malformed_month(db, month):
    with pytest.raises(CommandError, match="YYYY-MM"):
        _run("billing_run", month=month)
    assert not Invoice.objects.exists()


def test_invoice_pdf_writes_the_invoice(long_standing, tmp_path):
    _run("billing_run", month="2027-01")
    invoice = Invoice.objects.get(month=datetime.date(2027, 1, 1))
    target = tmp_path / "invoice.pdf"

    out = _run("invoice_pdf", invoice.number.lower(), output=str(target))

    assert f"Wrote {invoice.number}" in out
    assert target.read_bytes().startswith(b"%PDF")


def test_invoice_pdf_names_both_parties_and_fetches_nothing_else(long_standing):
    from billing.pdf import ASSETS, invoice_html, invoice_pdf
    from safeguarding.records.pdf import BundledAssetsOnly

    _run("billing_run", month="2027-01")
    invoice = Invoice.objects.get(month=datetime.date(2027, 1, 1))
    fetcher = BundledAssetsOnly(root=ASSETS)

    pdf = invoice_pdf(invoice, fetcher)

    assert pdf.startswith(b"%PDF") and fetcher.refused == []
    html = invoice_html(invoice)
    assert "Haven Safeguarding Ltd" in html and "VAT registration number" in html
    assert "Demo Academy Trust" in html and "£120.00" in html and "VAT at 20%" in html


def test_invoice_pdf_of_an_unknown_number_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No invoice is numbered INV-999999"):
        _run("invoice_pdf", "INV-999999")
