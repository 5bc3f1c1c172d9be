"""How long a school keeps a child's records, and the steps before they go.

A record is never deleted by Haven on its own: the daily job lists a pupil whose records
have passed the school's rule as a review, a DSL confirms (or keeps them longer, or places a
legal hold), and only then does the next run purge them. The database holds that line too:
the append-only triggers let a row of a child's records be deleted only in the transaction
that records a Purge of that child, and a Purge can only be recorded for a review a DSL
confirmed, of a pupil under no legal hold (migration 0002).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from safeguarding.concerns.models import recording_transaction


class Basis(models.TextChoices):
    BIRTHDAY = "birthday", "Until the pupil's birthday at this age"
    AFTER_LEAVING = "after_leaving", "For this many years after the pupil leaves"


# IRMS toolkit: child-protection files are kept until the pupil's 25th birthday.
DEFAULT_AGE = 25
LIMITS = {Basis.BIRTHDAY: (18, 100), Basis.AFTER_LEAVING: (1, 100)}


class RetentionSettings(models.Model):
    """One row per school: its retention rule. A record is due for review once the rule's
    date has passed and the pupil has left."""

    basis = models.CharField(max_length=14, choices=Basis.choices, default=Basis.BIRTHDAY)
    years = models.PositiveSmallIntegerField(
        default=DEFAULT_AGE, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name_plural = "retention settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="retention_settings_one_row"),
            models.CheckConstraint(
                condition=Q(basis="birthday", years__gte=18, years__lte=100)
                | Q(basis="after_leaving", years__gte=1, years__lte=100),
                name="retention_settings_sensible_years",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @classmethod
    def current(cls) -> RetentionSettings:
        """The school's rule; the IRMS default until a DSL changes it."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def description(self) -> str:
        if self.basis == Basis.BIRTHDAY:
            return f"Kept until the pupil's {ordinal(self.years)} birthday"
        return f"Kept for {self.years} year{'s' if self.years != 1 else ''} after the pupil leaves"

    def due_on(self, *, date_of_birth: datetime.date, leaving_date: datetime.date | None):
        """The day a pupil's records fall due for review; None while the pupil is on roll
        under an after-leaving rule."""
        if self.basis == Basis.BIRTHDAY:
            return years_after(date_of_birth, self.years)
        return years_after(leaving_date, self.years) if leaving_date else None

    def cutoff(self, today: datetime.date) -> datetime.date:
        """Records are due when the rule's starting date (birth or leaving) is on or before
        this day."""
        return years_after(today, -self.years)


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


class LegalHold(models.Model):
    """While a hold is in place (released_at empty) nothing of the pupil's is purged:
    proceedings, an inquiry, a request from the police or the local authority."""

    pupil = models.ForeignKey("people.Pupil", on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField(max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "pupil", condition=Q(released_at__isnull=True), name="retention_one_active_hold"
            )
        ]

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionReview(models.Model):
    """A pupil whose records passed the school's rule, and what a DSL decided."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a DSL"
        CONFIRMED = "confirmed", "Confirmed: purged on the next nightly run"
        KEPT = "kept", "Kept for longer"
        PURGED = "purged", "Purged"

    # Emptied when the purge deletes the pupil; pupil_ref keeps the number for the log.
    pupil = models.ForeignKey(
        "people.Pupil",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retention_reviews",
    )
    pupil_ref = models.BigIntegerField()
    due_on = models.DateField()
    listed_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    keep_until = models.DateField(null=True, blank=True)
    keep_reason = models.CharField(max_length=500, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # What went, in numbers only.
    incidents = models.PositiveIntegerField(null=True, blank=True)
    actions = models.PositiveIntegerField(null=True, blank=True)
    files = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                "pupil_ref",
                # Equalities, not IN: a schema cloned from the template rebuilds the index
                # from its definition, and PostgreSQL prints an IN list back differently.
                condition=Q(decision="pending") | Q(decision="confirmed"),
                name="retention_one_open_review",
            ),
            models.CheckConstraint(
                condition=~Q(decision="kept") | Q(keep_until__isnull=False),
                name="retention_kept_until_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Retention review of pupil {self.pupil_ref}"

    @property
    def is_open(self) -> bool:
        return self.decision in (self.Decision.PENDING, self.Decision.CONFIRMED)


class Purge(models.Model):
    """The authority to delete one child's records, valid only in the transaction that
    writes it: the append-only triggers allow a DELETE of the child's rows when a Purge of
    that child carries the current transaction's id. Append-only itself."""

    pupil_id = models.BigIntegerField()
    review = models.ForeignKey(RetentionReview, on_delete=models.PROTECT, related_name="+")
    purged_at = models.DateTimeField(auto_now_add=True)
    recorded_xid = recording_transaction()

    class Meta:
        indexes = [models.Index(fields=["recorded_xid"], name="retention_purge_xid")]


class RetentionNotice(models.Model):
    """An email to a DSL that records are waiting for review: counts only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    waiting = models.PositiveIntegerField()
    emailed_at = models.DateTimeField(null=True, blank=True)


class ForgottenFile(models.Model):
    """A stored file whose row a purge deleted: removed from storage after the purge commits,
    and retried by every later run until storage agrees, so no child's file outlives its
    record."""

    key = models.CharField(max_length=200, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
