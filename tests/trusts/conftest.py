"""Fixtures: the session's demo trust (Abbey and Westleigh) and a verified lead of it."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo(abbey):
    return abbey.trust


@pytest.fixture
def lead(demo):
    from tests.trusts.helpers import make_lead

    return make_lead(demo, email="lead@demo-trust.example")


@pytest.fixture
def lead_client(lead):
    from tests.trusts.helpers import platform_client

    return platform_client(lead.user)
