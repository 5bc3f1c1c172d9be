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
