"""The user account: a school email address (seed: "your user name is your school email")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


def normalise_email(email: str) -> str:
    """School addresses are compared without regard to case, so they are stored lowercase."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=normalise_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_superuser=True, is_operator=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalise_email(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    # Platform operators exist only in the public schema; the flag means nothing in a school.
    is_operator = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # When the password was last set: a school's policy may ask for a new one after N days.
    password_changed_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class SecuritySettings(models.Model):
    """How one school (or, in the public schema, the platform) asks its people to sign in.
    One row per schema; defaults from the seeds: 8+ characters of four kinds, a new
    password every 60 days, signed out after 10 idle minutes."""

    class Preset(models.TextChoices):
        SEEDS = "seeds", "School policy (8+ characters of four kinds, new every 60 days)"
        ASVS = "asvs", "OWASP ASVS (12+ characters, no composition rules, no expiry)"
        CUSTOM = "custom", "Custom"

    preset = models.CharField(max_length=10, choices=Preset.choices, default=Preset.SEEDS)
    min_length = models.PositiveSmallIntegerField(
        "Shortest password",
        default=8,
        validators=[MinValueValidator(8), MaxValueValidator(64)],
    )
    require_character_kinds = models.BooleanField(
        "Require lower case, upper case, a digit and a symbol", default=True
    )
    expiry_days = models.PositiveSmallIntegerField(
        "Ask for a new password after (days)",
        default=60,
        validators=[MaxValueValidator(730)],
        help_text="0 means never.",
    )
    session_timeout_minutes = models.PositiveSmallIntegerField(
        "Sign out after (idle minutes)",
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(240)],
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "security settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="accounts_security_one_row")
        ]

    PRESETS = {
        Preset.SEEDS: {"min_length": 8, "require_character_kinds": True, "expiry_days": 60},
        Preset.ASVS: {"min_length": 12, "require_character_kinds": False, "expiry_days": 0},
    }

    @classmethod
    def current(cls) -> SecuritySettings:
        """This schema's settings; the defaults until someone changes them."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
