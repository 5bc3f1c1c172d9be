"""Who is alerted to what: a school's alert rules, and the notifications they produce
(one per person per incident or action, kept for good; only read_at and emailed_at change)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AlertRule(models.Model):
    """When an incident (or an action on one) has this category, alert this audience.

    A rule on a category applies to its subcategories too; a rule with no category applies
    to every category. "The DSL on duty" has no roster yet: until it does, it means every
    active member of a role at full + admin level (the safeguarding team)."""

    category = models.ForeignKey(
        "concerns.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
        help_text="Empty for every category.",
    )
    roles = models.ManyToManyField("access.Role", blank=True, related_name="alert_rules")
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="alert_rules")
    include_group_staff = models.BooleanField(
        "Staff of the pupil's groups", default=False, help_text="Class and form teachers."
    )
    include_dsl_on_duty = models.BooleanField("The DSL on duty", default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Alert rule for {self.category.label if self.category_id else 'every category'}"


class Notification(models.Model):
    class Reason(models.TextChoices):
        RULE = "rule", "Alert rule"
        MANUAL = "manual", "Alerted by name"
        FORWARDED = "forwarded", "Forwarded"
        ASSIGNED = "assigned", "Assigned an action"
        ESCALATED = "escalated", "Escalated"
        REMINDER = "reminder", "Reminder"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    incident = models.ForeignKey(
        "concerns.Incident", on_delete=models.PROTECT, related_name="notifications"
    )
    action = models.ForeignKey(
        "concerns.Action",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # An acknowledgement that the content was read, with its time.
    read_at = models.DateTimeField(null=True, blank=True)
    # The alert let them read an incident they could not otherwise see.
    granted_access = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="alerts_notification_unread_idx")]
