"""Trust leads and the months each school belongs to a trust; all in the public schema."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TrustLead(models.Model):
    """A platform account (public schema) that leads one trust. The user model is shared by
    every schema, so what makes someone a trust lead lives here, not on the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_lead"
    )
    trust = models.ForeignKey("tenants.Trust", on_delete=models.PROTECT, related_name="leads")
    # Who sent the invitation: an operator or another lead of the same trust.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    # When a second factor of theirs was last added or removed (trusts.signals): an API
    # token made before then no longer works (trusts.access), and is deleted then anyway.
    factors_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["trust", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} leads {self.trust}"


class TrustMembership(models.Model):
    """A school belongs to a trust from `starts` (the first day of a month) until `ends`
    (the first day of the first month it no longer does; open while None). A trust sees a
    school's facts for exactly these months, so a school that leaves takes none of its
    later months to the old trust and none of its earlier ones to the new."""

    trust = models.ForeignKey("tenants.Trust", on_delete=models.PROTECT, related_name="memberships")
    school = models.ForeignKey(
        "tenants.School", on_delete=models.CASCADE, related_name="trust_memberships"
    )
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["school", "starts"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=models.Q(ends__isnull=True),
                name="trust_membership_one_open_per_school",
            ),
            models.CheckConstraint(
                condition=models.Q(ends__isnull=True) | models.Q(ends__gt=models.F("starts")),
                name="trust_membership_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(starts__day=1)
                & (models.Q(ends__isnull=True) | models.Q(ends__day=1)),
                name="trust_membership_whole_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} in {self.trust} from {self.starts:%Y-%m}"


class ThresholdChange(models.Model):
    """A change of a trust's suppression threshold: to what, by whom and when. A lead may
    only raise it; lowering it is a platform operator's (trusts.services.set_threshold)."""

    trust = models.ForeignKey(
        "tenants.Trust", on_delete=models.CASCADE, related_name="threshold_changes"
    )
    threshold = models.PositiveSmallIntegerField()
    previous = models.PositiveSmallIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trust", "-changed_at"]

    def __str__(self) -> str:
        return f"{self.trust} threshold {self.previous} to {self.threshold} at {self.changed_at}"
