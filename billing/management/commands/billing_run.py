from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from billing.errors import BillingError
from billing.services import billing_run, parse_month
from console.lifecycle import CLI


class Command(BaseCommand):
    help = "Snapshot every school's pupil roll for a month and issue its invoices. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", required=True, help="The month to bill, as YYYY-MM.")

    def handle(self, *args, **options) -> None:
        try:
            result = billing_run(month=parse_month(options["month"]), by=CLI)
        except BillingError as error:
            raise CommandError(error.message) from None
        label = f"{result.month:%B %Y}"
        if not result.invoices_issued and not result.snapshots_taken:
            self.stdout.write(f"{label}: nothing new ({result.already_invoiced} already invoiced).")
            return
        self.stdout.write(f"{label}: {result.snapshots_taken} usage snapshot(s) taken.")
        for number in result.invoices_issued:
            self.stdout.write(f"Issued {number}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.invoices_issued)} invoice(s) issued, "
                f"{result.already_invoiced} payer(s) already invoiced."
            )
        )
