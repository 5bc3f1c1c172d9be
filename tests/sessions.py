"""Signed-in test clients on a school's host or the platform host, verified with a second
factor or not."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguarding.access.policy import viewer_for


def signed_in(school, user, *, verified: bool = True, **client_options) -> Client:
    """A session as after signing in and, unless verified=False, elevating with the
    person's authenticator app (one is made for them if they have none)."""
    client = Client(HTTP_HOST=f"{school.slug}.localhost", **client_options)
    with school:  # sessions live in the school's schema
        client.force_login(user)
        if verified:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=user, name="Test phone")
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


def platform_client(user, *, verified: bool = True) -> Client:
    """A session on the platform host, as after signing in and, unless verified=False,
    verifying the person's authenticator app (one is made for them if they have none)."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Test phone")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def verified_viewer(user):
    """The access policy's view of a member of staff whose session has verified a second
    factor, as every page of an elevated session sees them."""

    user.is_verified = lambda: True
    return viewer_for(user)
