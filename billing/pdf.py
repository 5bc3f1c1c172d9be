"""An invoice as PDF (WeasyPrint) with the supplier's and the customer's details, rendered
from HTML that can fetch nothing but the stylesheet bundled beside its template."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from billing.models import Invoice
from safeguarding.records.pdf import BundledAssetsOnly

ASSETS = Path(__file__).resolve().parent / "templates" / "billing" / "pdf"


@dataclass(frozen=True)
class Supplier:
    name: str
    address: str
    vat_number: str


def supplier() -> Supplier:
    """Who sends the invoice: settings HAVEN_SUPPLIER_* when a deployment sets them."""
    return Supplier(
        name=getattr(settings, "HAVEN_SUPPLIER_NAME", "Haven Safeguarding Ltd"),
        address=getattr(settings, "HAVEN_SUPPLIER_ADDRESS", "1 Example Street\nLondon\nEC1A 1AA"),
        vat_number=getattr(settings, "HAVEN_VAT_NUMBER", "GB 000 0000 00"),
    )


def invoice_html(invoice: Invoice) -> str:
    return render_to_string(
        "billing/pdf/invoice.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "supplier": supplier(),
            "vat_percent": (invoice.vat_rate * 100).normalize(),
        },
    )


def invoice_pdf(invoice: Invoice, fetcher: BundledAssetsOnly | None = None) -> bytes:
    """The invoice as PDF; every fetch goes through `fetcher` (bundled stylesheet only)."""
    document = HTML(
        string=invoice_html(invoice),
        base_url=ASSETS.as_uri() + "/",
        url_fetcher=fetcher or BundledAssetsOnly(root=ASSETS),
    )
    return document.write_pdf()
