"""The default plan, the UK standard VAT rate and the numbering series: data, so a new price
or rate is a new row, never a code change."""

import datetime
from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    VatRate = apps.get_model("billing", "VatRate")
    DocumentCounter = apps.get_model("billing", "DocumentCounter")
    Plan.objects.get_or_create(
        code="standard",
        defaults={
            "name": "Standard",
            "annual_price_per_pupil": Decimal("4.00"),
            "minimum_annual_charge": Decimal("600.00"),
            "is_default": True,
        },
    )
    # 20% since 4 January 2011.
    VatRate.objects.get_or_create(
        valid_from=datetime.date(2011, 1, 4), defaults={"rate": Decimal("0.2000")}
    )
    DocumentCounter.objects.get_or_create(series="invoice", defaults={"prefix": "INV-"})
    DocumentCounter.objects.get_or_create(series="credit_note", defaults={"prefix": "CN-"})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_plans_and_invoices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
