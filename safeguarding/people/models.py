"""People a school's records are about or made by. Pupils are never deleted: a pupil who
leaves is archived (their leaving date passes) and their record becomes read-only."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from safeguarding.display import hiding_names

# A UPN is a letter then twelve digits; the last may be a letter for temporary UPNs.
upn_validator = RegexValidator(
    r"^[A-Z][0-9]{11}[0-9A-Z]$", "A UPN is a capital letter and twelve more characters."
)


class Group(models.Model):
    class Kind(models.TextChoices):
        YEAR = "year", "Year group"
        FORM = "form", "Form or class"
        TEACHING = "teaching", "Teaching group"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mis_id = models.CharField(max_length=64, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="StaffMembership", related_name="staff_groups"
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint("kind", Lower("name"), name="people_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Pupil(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other"
        NOT_STATED = "U", "Not stated"

    class Sen(models.TextChoices):
        NONE = "", "None"
        SUPPORT = "K", "SEN support"
        EHCP = "E", "Education, health and care plan"

    upn = models.CharField("UPN", max_length=13, unique=True, validators=[upn_validator])
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_first_name = models.CharField(max_length=100, blank=True)
    preferred_last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.NOT_STATED)
    year_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="year_pupils"
    )
    form = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="form_pupils"
    )
    groups = models.ManyToManyField(Group, through="PupilMembership", related_name="pupils")
    admission_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    cp_plan = models.BooleanField("Child protection plan", default=False)
    cin = models.BooleanField("Child in need", default=False)
    cla = models.BooleanField("Child looked after", default=False)
    sen = models.CharField("SEN", max_length=1, choices=Sen.choices, blank=True, default="")
    eal = models.BooleanField("English as an additional language", default=False)
    fsm = models.BooleanField("Free school meals", default=False)
    pupil_premium = models.BooleanField(default=False)
    early_help = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "pk"]
        indexes = [models.Index(Lower("legal_last_name"), Lower("legal_first_name"),
                                name="people_pupil_name_idx")]  # fmt: skip

    def __str__(self) -> str:
        return self.full_name

    @property
    def first_name(self) -> str:
        return self.preferred_first_name or self.legal_first_name

    @property
    def last_name(self) -> str:
        return self.preferred_last_name or self.legal_last_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def shown_name(self) -> str:
        """The name as this page shows it: initials while the viewer hides names."""
        return self.initials if hiding_names() else self.full_name

    @property
    def is_archived(self) -> bool:
        return self.leaving_date is not None and self.leaving_date <= timezone.localdate()

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PupilMembership(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint("pupil", "group", name="people_pupilmembership_unique")
        ]


class StaffMembership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "group", name="people_staffmembership_unique")
        ]


class Guardian(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100)
    phone = models.CharField(max_length=40, blank=True)
    phone_alternative = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    parental_responsibility = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class StaffProfile(models.Model):
    """A member of staff at this school: their account, initials and role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profile"
    )
    initials = models.CharField(max_length=5)
    job_title = models.CharField(max_length=100, blank=True)
    role = models.ForeignKey("access.Role", on_delete=models.PROTECT, related_name="staff")

    class Meta:
        ordering = ["user__full_name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} ({self.initials})"
