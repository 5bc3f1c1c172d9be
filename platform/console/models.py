"""The operators' records in the public schema: what each operator did (append-only), each
school's health in counts, bulk onboardings with a result per row, and offboardings.

Nothing here names a child or holds anything recorded about one."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from tenants.models import School, Trust


class OperatorAction(models.Model):
    """One thing an operator (or an operator's script through the API) did or was refused,
    kept as written: the database refuses UPDATE, DELETE and TRUNCATE on this table.
    `act` is one of console.audit.Act; `detail` holds ids and counts, never content."""

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"

    at = models.DateTimeField(db_default=Now(), editable=False)
    # The operator's email and id as they were: the account may later go, the row stays.
    operator_email = models.CharField(max_length=254)
    operator_id = models.BigIntegerField(null=True, blank=True)
    act = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.DONE)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="operator_actions"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="operator_actions"
    )
    # What else it was about, by its public name: an invoice number, a plan code, a slug.
    subject = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"], name="operator_action_by_school")]

    def __str__(self) -> str:
        return f"{self.operator_email} {self.act} {self.outcome} at {self.at}"


class SchoolHealth(models.Model):
    """A school's size and activity, counted inside its schema (console.health) and kept
    here so the console lists a thousand schools without entering a thousand schemas."""

    school = models.OneToOneField(
        School, primary_key=True, on_delete=models.CASCADE, related_name="health"
    )
    pupils_on_roll = models.PositiveIntegerField(default=0)
    staff_accounts = models.PositiveIntegerField(default=0)
    storage_bytes = models.BigIntegerField(default=0)
    incidents_last_30_days = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    measured_at = models.DateTimeField()


class BulkOnboarding(models.Model):
    """A trust's schools onboarded from one CSV: every row is checked before any school is
    created, then each row is onboarded in its own transaction by a worker, which records
    its progress here for the page (and the API) to show."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped by an error"

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="bulk_onboardings")
    requested_by_email = models.CharField(max_length=254)
    file_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created = models.DateTimeField(db_default=Now(), editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]


class BulkOnboardingRow(models.Model):
    """One school of a bulk onboarding, with its outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        ONBOARDED = "onboarded", "Onboarded"
        FAILED = "failed", "Not onboarded"

    job = models.ForeignKey(BulkOnboarding, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()  # the CSV line it came from, for people to find it
    slug = models.SlugField(max_length=63)
    name = models.CharField(max_length=200)
    template = models.CharField(max_length=40)
    plan_code = models.CharField(max_length=40)
    dsl_email = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=500, blank=True)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["job", "line"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slug"], name="bulk_row_slug_once_per_job")
        ]


class Offboarding(models.Model):
    """A school leaving Haven: asked for with a reason, exported in full (encrypted), and
    its schema dropped only after the grace period and a second operator's confirmation.
    Cancelled before that, the school is as it was."""

    class Export(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Exporting"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="offboardings")
    reason = models.CharField(max_length=500)
    previous_status = models.CharField(max_length=20)
    requested_by_email = models.CharField(max_length=254)
    # The requester's account id: an email can change, and the second operator must not
    # be the first one under a new address.
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(db_default=Now(), editable=False)
    removable_from = models.DateTimeField()
    export_status = models.CharField(max_length=10, choices=Export.choices, default=Export.PENDING)
    export_name = models.CharField(max_length=300, blank=True)  # its key in export storage
    export_bytes = models.BigIntegerField(null=True, blank=True)
    export_sha256 = models.CharField(max_length=64, blank=True)
    export_finished_at = models.DateTimeField(null=True, blank=True)
    export_error = models.CharField(max_length=100, blank=True)  # an exception's class name
    cancelled_by_email = models.CharField(max_length=254, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    confirmed_by_email = models.CharField(max_length=254, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(cancelled_at__isnull=True),
                name="one_open_offboarding_per_school",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by_email="")
                | ~Q(confirmed_by_email=models.F("requested_by_email")),
                name="offboarding_confirmed_by_a_second_operator",
            ),
        ]
