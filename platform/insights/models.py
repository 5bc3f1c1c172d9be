"""The facts: counts per school and month, in the public schema, computed from each school's
records by `insights.facts` and nothing else. Never a name, an id of a pupil or any text.

A missing row means zeros: rows exist only where something is not zero."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now

# Whole days from recording an incident to the first DSL action: days 0..30 each, then the
# last index for 31 days or more.
DAY_BUCKETS = 32


class CategoryMonth(models.Model):
    """Counts for one school, one calendar month and one standard category
    (safeguarding.concerns.taxonomy.Standard). An incident with two standard categories
    counts in both; the school's row for the month with standard "all" (insights.facts
    ALL_CATEGORIES) counts every incident, pupil and action once, for totals, rates,
    actions and medians."""

    school = models.ForeignKey("tenants.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    standard = models.CharField(max_length=30)
    # Incidents that occurred this month, and the distinct pupils they are about.
    incidents = models.PositiveIntegerField(default=0)
    pupils = models.PositiveIntegerField(default=0)
    # Actions recorded this month on incidents of this category, and completions recorded
    # this month on such actions.
    actions_opened = models.PositiveIntegerField(default=0)
    actions_closed = models.PositiveIntegerField(default=0)
    # Assigned and not completed at the month's end (now, for the current month), and of
    # those, the ones past their due date then.
    actions_open = models.PositiveIntegerField(default=0)
    actions_overdue = models.PositiveIntegerField(default=0)
    # This month's incidents by whole days from recording to the first action recorded by a
    # DSL (a member of a role at level FULL_ADMIN); incidents with no DSL action yet are not
    # counted.
    first_action_days = ArrayField(models.PositiveIntegerField(), size=DAY_BUCKETS)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "month", "standard"], name="insights_categorymonth_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.standard} in {self.month:%Y-%m} at school {self.school_id}"


class RollMonth(models.Model):
    """The pupils on one school's roll on the month's last day (today, for the current
    month): the denominator of rates per 100 pupils."""

    school = models.ForeignKey("tenants.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    pupils = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "month"], name="insights_rollmonth_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pupils} on roll in {self.month:%Y-%m} at school {self.school_id}"


class Change(models.Model):
    """A school's transaction changed something its facts count: written by triggers in the
    school's schema, in that transaction (concerns migration 0005), at most once per
    transaction. The school and a time, nothing else. A refresh deletes the rows it saw.

    No foreign key constraint in the database: one would make every school commit that
    fires the trigger take a key-share lock on its tenants_school row, and so wait on (or
    hold up) anything that locks the school row for update. Django still deletes a school's
    rows with it."""

    school = models.ForeignKey(
        "tenants.School", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    changed_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["school"], name="insights_change_school")]

    def __str__(self) -> str:
        return f"school {self.school_id} changed at {self.changed_at}"


class Refresh(models.Model):
    """Where one school's facts stand: when a refresh was last queued for it (cleared once
    it ran) and when its facts were last computed. No foreign key constraint in the
    database, as for Change: no lock on the school row when its facts are refreshed."""

    school = models.OneToOneField(
        "tenants.School",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        db_constraint=False,
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"facts of school {self.school_id} refreshed at {self.refreshed_at}"
