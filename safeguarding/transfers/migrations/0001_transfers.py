"""Transfers, and the copy of a transferred file, which the database keeps as it landed:
the copy's tables refuse UPDATE, DELETE and TRUNCATE with the concerns app's
`haven_refuse_change()` (concerns migration 0002), as the school's own records do."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY = [
    "transfers_transferredincident",
    "transfers_transferredaction",
    "transfers_transferredfile",
]

TRIGGERS = "\n".join(
    f"""
CREATE TRIGGER haven_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION haven_refuse_change();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION haven_refuse_change();"""
    for table in APPEND_ONLY
)

REVERSE = "\n".join(
    [
        *(f"DROP TRIGGER haven_append_only ON {table};" for table in APPEND_ONLY),
        *(f"DROP TRIGGER haven_no_truncate ON {table};" for table in APPEND_ONLY),
    ]
)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("people", "0001_initial"),
        ("concerns", "0004_submission_window"),
        ("tenants", "0004_outbox_message"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IncomingTransfer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sender_transfer_id", models.BigIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("viewed", "Viewed"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=8,
                    ),
                ),
                ("arrived_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("moved_on", models.DateField()),
                ("due_by", models.DateField()),
                ("legal_first_name", models.CharField(max_length=100)),
                ("legal_last_name", models.CharField(max_length=100)),
                ("preferred_first_name", models.CharField(blank=True, max_length=100)),
                ("preferred_last_name", models.CharField(blank=True, max_length=100)),
                ("date_of_birth", models.DateField()),
                ("upn", models.CharField(max_length=13, verbose_name="UPN")),
                ("incident_count", models.PositiveIntegerField(default=0)),
                ("action_count", models.PositiveIntegerField(default=0)),
                ("file_count", models.PositiveIntegerField(default=0)),
                ("viewed_at", models.DateTimeField(blank=True, null=True)),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("rejected_at", models.DateTimeField(blank=True, null=True)),
                ("rejection_reason", models.CharField(blank=True, max_length=1000)),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "accepted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "from_school",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tenants.school",
                    ),
                ),
                (
                    "pupil",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incoming_transfers",
                        to="people.pupil",
                    ),
                ),
            ],
            options={
                "ordering": ["-arrived_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="OutgoingTransfer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("platform", "A school on Haven"),
                            ("elsewhere", "A school not on Haven"),
                        ],
                        max_length=9,
                    ),
                ),
                (
                    "to_name",
                    models.CharField(blank=True, max_length=200, verbose_name="Receiving school"),
                ),
                (
                    "to_email",
                    models.EmailField(
                        blank=True, max_length=254, verbose_name="Receiving school's email"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("viewed", "Viewed"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=8,
                    ),
                ),
                ("moved_on", models.DateField()),
                ("due_by", models.DateField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_count", models.PositiveSmallIntegerField(default=1)),
                ("last_sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("viewed_at", models.DateTimeField(blank=True, null=True)),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("receipt_name", models.CharField(blank=True, max_length=200)),
                ("receipt_school", models.CharField(blank=True, max_length=200)),
                ("rejected_at", models.DateTimeField(blank=True, null=True)),
                ("rejection_reason", models.CharField(blank=True, max_length=1000)),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
                ("archived_at", models.DateTimeField(blank=True, null=True)),
                ("token_sha256", models.CharField(blank=True, db_index=True, max_length=64)),
                ("bundle_key", models.CharField(blank=True, max_length=200)),
                ("bundle_sha256", models.CharField(blank=True, max_length=64)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "pupil",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="outgoing_transfers",
                        to="people.pupil",
                    ),
                ),
                (
                    "to_school",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tenants.school",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="TransferAlert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("emailed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "incoming",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="alerts",
                        to="transfers.incomingtransfer",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="TransferredAction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=60)),
                ("text", models.TextField()),
                ("occurred_at", models.DateTimeField()),
                ("recorded_at", models.DateTimeField()),
                ("author", models.CharField(max_length=300)),
                ("agency", models.CharField(blank=True, max_length=100)),
                ("reference", models.CharField(blank=True, max_length=100)),
                ("due_date", models.DateField(blank=True, null=True)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "pupil",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transferred_actions",
                        to="people.pupil",
                    ),
                ),
            ],
            options={
                "ordering": ["occurred_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="TransferredIncident",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("original_reference", models.CharField(max_length=30)),
                ("occurred_at", models.DateTimeField()),
                ("recorded_at", models.DateTimeField()),
                ("author", models.CharField(max_length=300)),
                ("categories", models.JSONField(default=list)),
                ("standard_categories", models.JSONField(default=list)),
                ("text", models.TextField()),
                ("status", models.CharField(max_length=40)),
                ("risk", models.CharField(blank=True, max_length=40)),
                ("role", models.CharField(blank=True, max_length=40)),
                ("linked_roles", models.JSONField(default=list)),
                ("marks", models.JSONField(default=list)),
                (
                    "incoming",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents",
                        to="transfers.incomingtransfer",
                    ),
                ),
                (
                    "pupil",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transferred_incidents",
                        to="people.pupil",
                    ),
                ),
            ],
            options={
                "ordering": ["occurred_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="TransferredFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=200)),
                ("name", models.CharField(max_length=150)),
                ("content_type", models.CharField(max_length=100)),
                ("size", models.PositiveIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                (
                    "action",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="files",
                        to="transfers.transferredaction",
                    ),
                ),
                (
                    "pupil",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transferred_files",
                        to="people.pupil",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="files",
                        to="transfers.transferredincident",
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
            },
        ),
        migrations.AddField(
            model_name="transferredaction",
            name="incident",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="actions",
                to="transfers.transferredincident",
            ),
        ),
        migrations.AddConstraint(
            model_name="incomingtransfer",
            constraint=models.UniqueConstraint(
                models.F("from_school"),
                models.F("sender_transfer_id"),
                name="transfers_incoming_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingtransfer",
            constraint=models.UniqueConstraint(
                models.F("pupil"),
                condition=models.Q(("status__in", ("pending", "viewed"))),
                name="transfers_one_in_flight_per_pupil",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingtransfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "platform"), ("to_school__isnull", False)),
                    models.Q(("kind", "elsewhere"), ("to_school__isnull", True)),
                    _connector="OR",
                ),
                name="transfers_outgoing_destination",
            ),
        ),
        migrations.RunSQL(TRIGGERS, REVERSE),
    ]
