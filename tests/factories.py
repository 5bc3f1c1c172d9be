"""Factories for synthetic people and organisations; never real names or addresses."""

from __future__ import annotations

import factory

from accounts.models import User
from tenants.models import Trust

PASSWORD = "Synthetic-Pa55word!"


class UserFactory(factory.django.DjangoModelFactory):
    """An account in whichever schema the connection is on: wrap in `with school:`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@school.example")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(PASSWORD)


class OperatorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"operator{n}@haven.example")
    is_operator = True


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust

    slug = factory.Sequence(lambda n: f"trust-{n}")
    name = factory.Sequence(lambda n: f"Synthetic Trust {n}")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "people.Group"

    name = factory.Sequence(lambda n: f"Form {n}")
    kind = "form"


class PupilFactory(factory.django.DjangoModelFactory):
    """A synthetic pupil: Faker's made-up names, a made-up UPN."""

    class Meta:
        model = "people.Pupil"

    upn = factory.Sequence(lambda n: f"H{n:012d}")
    legal_first_name = factory.Faker("first_name", locale="en_GB")
    legal_last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=5, maximum_age=15)
    gender = factory.Iterator(["F", "M"])


class StaffFactory(UserFactory):
    """A member of staff at the current school: StaffFactory(role="SLT", groups=[form])."""

    email = factory.Sequence(lambda n: f"teacher{n}@school.example")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        from safeguarding.access.models import Role
        from safeguarding.people.services import create_staff_profile

        if create:
            create_staff_profile(user=self, role=Role.objects.get(name=extracted or "Teachers"))

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.staff_groups.add(*extracted)
