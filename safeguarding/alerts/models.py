"""Who is alerted to what: a school's alert rules, and the notifications they produce
(one per person per incident or action, kept for good; only read_at and emailed_at change)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class AlertRule(models.Model):
    """When an incident (or an action on one) has this category, alert this audience.

    A rule on a category applies to its subcategories too; a rule with no category applies
    to every category. "The DSL on duty" is the first DSL of the rota's duty chain in school
    hours, and every DSL (member of a role at full + admin level) out of hours (alerts.rota)."""

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


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AlertSettings(models.Model):
    """One row per school: how long an alert to the DSL on duty may go unacknowledged."""

    escalate_after_minutes = models.PositiveSmallIntegerField(
        "Escalate after (minutes)",
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="During school hours, an alert the DSL on duty has not marked read goes "
        "to the next DSL on the rota after this long, then to every DSL.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="alerts_settings_one_row")
        ]

    @classmethod
    def current(cls) -> AlertSettings:
        """The school's settings; the defaults until a DSL changes them."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class DutySlot(models.Model):
    """A place on the weekly DSL rota. The slots that hold a moment, in order of position,
    are that moment's duty chain: the first is the DSL on duty, the second is who an
    unacknowledged alert escalates to. A moment no slot holds is out of hours."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_slots"
    )
    position = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )

    class Meta:
        ordering = ["weekday", "starts", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")), name="alerts_slot_starts_first"
            )
        ]


class DutyCover(models.Model):
    """On one date, between two times, a DSL takes another's place on the rota (illness,
    a course), or leads it when covering for no one."""

    date = models.DateField()
    starts = models.TimeField()
    ends = models.TimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_covers"
    )
    covering_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        ordering = ["date", "starts", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")), name="alerts_cover_starts_first"
            )
        ]


class Closure(models.Model):
    """Days the school is closed (holidays, training days): out of hours all day."""

    first_day = models.DateField()
    last_day = models.DateField()
    name = models.CharField(max_length=100, help_text="For example, Christmas holiday.")

    class Meta:
        ordering = ["first_day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_day__lte=models.F("last_day")),
                name="alerts_closure_in_order",
            )
        ]


class Escalation(models.Model):
    """An alert to the DSL on duty, waiting to be acknowledged. Until a DSL marks it read
    (or acts on the incident), the beat moves it on: stage 0 is the DSL on duty, 1 the next
    DSL of the chain, 2 every DSL (the last; due_at is then empty)."""

    incident = models.OneToOneField(
        "concerns.Incident", on_delete=models.PROTECT, related_name="escalation"
    )
    # The duty chain when the incident was recorded: users' ids, the DSL on duty first.
    chain = ArrayField(models.BigIntegerField())
    stage = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                name="alerts_escalation_due",
                condition=models.Q(acknowledged_at__isnull=True, due_at__isnull=False),
            )
        ]


class AlertPreference(models.Model):
    """A member of staff's choice about alerts: a daily digest email of what is unread."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    daily_digest = models.BooleanField("Email me a daily digest", default=False)


class Digest(models.Model):
    """One day's digest for one person: how many alerts were unread, never what they
    were about. One a day, whatever the beat does; its email goes through the outbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    unread = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("user", "day", name="alerts_digest_once_a_day")]
