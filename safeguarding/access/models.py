"""Who may see what: roles with one of four levels (Abbey policy), a level per category
where a role differs from its default, and grants made by alerting someone to an incident."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Level(models.TextChoices):
    FULL_ADMIN = "full_admin", "Full access and administration"
    FULL = "full", "Full access"
    LIMITED = "limited", "Limited access"
    WRITE_ONLY = "write_only", "Write only"


class CategoryLevel(models.TextChoices):
    """Ordered from least to most: a higher one includes every lower one."""

    NONE = "none", "No access"
    TITLE = "title", "Title only"
    READ = "read", "Read"
    RECORD = "record", "Read and record"


class Role(models.Model):
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=12, choices=Level.choices)
    requires_2fa = models.BooleanField(
        "Requires a second factor",
        default=False,
        help_text="Members can use nothing above write-only until they verify a second factor.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="access_role_unique_name")]

    def __str__(self) -> str:
        return self.name


class CategoryPermission(models.Model):
    """A role's level for one category (and its subcategories, unless they have their own)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="category_levels")
    category = models.ForeignKey(
        "concerns.Category", on_delete=models.CASCADE, related_name="role_levels"
    )
    level = models.CharField(max_length=6, choices=CategoryLevel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint("role", "category", name="access_categorypermission_unique")
        ]


class IncidentGrant(models.Model):
    """Need to know: someone alerted to (or forwarded) an incident may read it, and keeps
    that right after marking it read. Append-only, enforced in the database."""

    class Reason(models.TextChoices):
        ALERTED = "alerted", "Alerted"
        FORWARDED = "forwarded", "Forwarded"
        ASSIGNED = "assigned", "Assigned an action"

    incident = models.ForeignKey(
        "concerns.Incident", on_delete=models.PROTECT, related_name="grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_grants"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "incident"], name="access_grant_user_idx")]


class PolicyVersion(models.Model):
    """A counter that triggers in the database advance whenever a category, a role or a
    role's level for a category changes (migration 0003), so the policy can keep what it
    read about them for as long as the counter says it is current."""

    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="access_policyversion_one_row")
        ]
