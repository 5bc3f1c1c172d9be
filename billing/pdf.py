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
    address_lines: tuple[str, ...]
    vat_number: str

    @property
    def address(self) -> str:
        return "\n".join(self.address_lines)


def supplier(invoice: Invoice | None = None) -> Supplier:
    """Who sends the invoice: as stored on it when it was issued, so rendering it again
    years later shows the same; else (an invoice issued before that was kept, or none)
    HAVEN_SUPPLIER_NAME, HAVEN_SUPPLIER_ADDRESS and HAVEN_SUPPLIER_VAT_NUMBER
    (haven.config)."""
    if invoice is not None and invoice.supplier_name:
        return Supplier(
            name=invoice.supplier_name,
            address_lines=address_lines(invoice.supplier_address),
            vat_number=invoice.supplier_vat_number,
        )
    config = settings.CONFIG
    return Supplier(
        name=config.supplier_name,
        address_lines=address_lines(config.supplier_address),
        vat_number=config.supplier_vat_number,
    )


def address_lines(text: str) -> tuple[str, ...]:
    """An address as its lines: split at line breaks (real ones, or "\\n" written in an
    environment file) when it has any, else at commas."""
    text = text.replace("\\n", "\n")
    parts = text.splitlines() if "\n" in text else text.split(",")
    return tuple(part.strip() for part in parts if part.strip())


def invoice_html(invoice: Invoice) -> str:
    return render_to_string(
        "billing/pdf/invoice.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "supplier": supplier(invoice),
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
