from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.models import Invoice
from billing.pdf import invoice_pdf


class Command(BaseCommand):
    help = "Write an invoice as a PDF: haven invoice-pdf INV-000123 [--output file.pdf]."

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", help="The invoice's number, such as INV-000123.")
        parser.add_argument("--output", help="Where to write it; <number>.pdf by default.")

    def handle(self, *args, **options) -> None:
        number = options["number"].strip().upper()
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None:
            raise CommandError(f"No invoice is numbered {number}.")
        path = Path(options["output"] or f"{invoice.number}.pdf")
        path.write_bytes(invoice_pdf(invoice))
        self.stdout.write(self.style.SUCCESS(f"Wrote {invoice.number} to {path}."))
