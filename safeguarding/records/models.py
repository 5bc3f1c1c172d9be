"""Subject access requests: a pupil's file asked for under data protection law, prepared
by the safeguarding team with third parties' names redacted, and released once. The row is
kept for good: a draft becomes released once, with the file as released, and then never
changes (records migration 0002 makes the database refuse anything else)."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Requester(models.TextChoices):
    """Who asked: a kind of person, never their name (it would be a third party's)."""

    PARENT_CARER = "parent_carer", "A parent or carer"
    PUPIL = "pupil", "The pupil"
    SOLICITOR = "solicitor", "A solicitor or other representative"
    OTHER = "other", "Someone else"


class SubjectAccessRequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RELEASED = "released", "Released"

    pupil = models.ForeignKey(
        "people.Pupil", on_delete=models.PROTECT, related_name="subject_access_requests"
    )
    requested_by = models.CharField("Who asked", max_length=20, choices=Requester.choices)
    received_on = models.DateField("Date received")
    # The incidents it covers: empty means from the first, or to the day it is released.
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    staff_as_initials = models.BooleanField(
        "Show staff as initials", default=True, help_text="Otherwise by their full names."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The PDF exactly as released, so that downloading it again gives the same file.
    released_file = models.BinaryField(null=True, blank=True, editable=False)
    released_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__isnull=True)
                | Q(date_to__isnull=True)
                | Q(date_from__lte=models.F("date_to")),
                name="records_sar_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="draft",
                    released_at__isnull=True,
                    released_by__isnull=True,
                    released_file__isnull=True,
                    released_sha256="",
                )
                | (
                    Q(
                        status="released",
                        released_at__isnull=False,
                        released_by__isnull=False,
                        released_file__isnull=False,
                    )
                    & ~Q(released_sha256="")
                ),
                name="records_sar_release_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"SAR {self.pk}"

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.RELEASED

    @property
    def filename(self) -> str:
        """The request's and the pupil's numbers, never a name."""
        return f"sar-{self.pk}-pupil-{self.pupil_id}.pdf"


def statutory_deadline(received_on: datetime.date) -> datetime.date:
    """One calendar month from the day the request was received (ICO): the same date in the
    next month, or that month's last day when it has no such date (31 January gives 28 or
    29 February). A deadline on a Saturday or Sunday moves to the Monday. Bank holidays are
    not known here, so the date shown is never later than the law's."""
    year, month = divmod(received_on.month, 12)
    year, month = received_on.year + year, month + 1
    day = min(received_on.day, calendar.monthrange(year, month)[1])
    deadline = datetime.date(year, month, day)
    if deadline.weekday() >= 5:
        deadline += datetime.timedelta(days=7 - deadline.weekday())
    return deadline


class RecordsSettings(models.Model):
    """One row per school: how a subject access request names staff by default."""

    sar_staff_as_initials = models.BooleanField(
        "Show staff as initials in subject access requests",
        default=True,
        help_text="Otherwise staff appear by their full names.",
    )

    class Meta:
        verbose_name_plural = "records settings"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="records_settings_one_row")]

    def __str__(self) -> str:
        return "Records settings"

    @classmethod
    def current(cls) -> RecordsSettings:
        """The school's settings; the defaults until a DSL changes them."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
