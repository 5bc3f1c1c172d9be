"""Fixtures shared by the tenant registry's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def quick(monkeypatch, settings):
    """Small training copies and a fast password hash, for tests about neither."""
    monkeypatch.setattr("tenants.training.PUPILS", {"primary": 20, "secondary": 30})
    monkeypatch.setattr("tenants.training.INCIDENTS", 40)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
