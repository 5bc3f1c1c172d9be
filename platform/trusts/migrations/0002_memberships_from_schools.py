"""Every school already in a trust belongs to it from the start of its history: what was
recorded about its pupils, including incidents dated before it joined Haven, is that
trust's to see in aggregate (trusts.services.FROM_THE_START)."""

import datetime

from django.db import migrations

FROM_THE_START = datetime.date(2000, 1, 1)


def open_memberships(apps, schema_editor):
    School = apps.get_model("tenants", "School")
    TrustMembership = apps.get_model("trusts", "TrustMembership")
    TrustMembership.objects.bulk_create(
        TrustMembership(trust_id=school.trust_id, school=school, starts=FROM_THE_START)
        for school in School.objects.filter(trust__isnull=False, training_of__isnull=True)
        if not TrustMembership.objects.filter(school=school).exists()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("trusts", "0001_trust_leads"),
        ("tenants", "0005_trust_suppression_threshold"),
    ]

    operations = [migrations.RunPython(open_memberships, migrations.RunPython.noop)]
