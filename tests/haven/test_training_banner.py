"""A training copy says TRAINING on every page, sign-in and notice pages included; the real
school never does."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User
from safeguarding.concerns.models import Incident
from safeguarding.demo_data import generate
from safeguarding.people.models import Pupil
from tenants.services import suspend_school
from tenants.training import create_training_school
from tests.factories import StaffFactory, UserFactory
from tests.tenants.test_training_page import signed_in

BANNER = re.compile(r'<div class="training-banner" role="note"[^>]*>(.*?)</div>', re.S)


@pytest.fixture
def copy(abbey, monkeypatch, settings):
    monkeypatch.setattr("tenants.training.PUPILS", {"primary": 20, "secondary": 30})
    monkeypatch.setattr("tenants.training.INCIDENTS", 40)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return create_training_school(abbey).school


def _pages(school, *, dsl: User, teacher: User, roleless: User) -> dict[str, Client | str]:
    """Every kind of page a school's host serves, with who asks for it."""
    with school:
        pupil = Pupil.objects.first()
        incident = Incident.objects.first()
    anonymous = Client(HTTP_HOST=f"{school.slug}.localhost")
    lead, staff = signed_in(school, dsl), signed_in(school, teacher)
    return {
        "sign-in": anonymous.get("/accounts/login/"),
        "dashboard": staff.get("/"),
        "add incident": staff.get("/incidents/new/"),
        "pupils": lead.get("/pupils/"),
        "pupil": lead.get(f"/pupils/{pupil.pk}/"),
        "incident": lead.get(f"/incidents/{incident.pk}/"),
        "categories": lead.get("/settings/categories/"),
        "training settings": lead.get("/settings/training/"),
        "no role": signed_in(school, roleless).get("/"),
    }


def _banner(html: str) -> str | None:
    found = BANNER.search(html)
    return " ".join(found.group(1).split()) if found else None


def test_every_page_of_a_training_copy_carries_the_banner(copy):
    with copy:
        dsl = User.objects.get(email="dsl@training.example")
        teacher = User.objects.get(email="teacher@training.example")
        roleless = UserFactory(email="visitor@training.example")
    for page, response in _pages(copy, dsl=dsl, teacher=teacher, roleless=roleless).items():
        html = response.content.decode()
        assert response.status_code == (403 if page == "no role" else 200), page
        banner = _banner(html)
        assert banner is not None, f"no banner on the {page} page"
        assert "TRAINING" in banner and "Nothing here is real." in banner
        assert "<button" not in banner  # permanent: nothing to dismiss it with
        # First thing in the page, before the skip link and the header.
        assert html.index("training-banner") < html.index("skip-link"), page


def test_a_suspended_training_copy_s_notice_page_carries_the_banner(copy):
    suspend_school(school=copy, reason="Term has ended.")
    response = Client(HTTP_HOST="abbey-training.localhost").get("/accounts/login/")
    assert response.status_code == 403
    assert "is suspended" in response.content.decode()
    assert _banner(response.content.decode())


def test_the_real_school_never_shows_the_banner(abbey, copy):
    with abbey:
        generate(pupils=5, incidents=3, seed=11)
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
        teacher = StaffFactory(email="teacher@abbey.example")
        roleless = UserFactory(email="visitor@abbey.example")
    for page, response in _pages(abbey, dsl=dsl, teacher=teacher, roleless=roleless).items():
        assert response.status_code == (403 if page == "no role" else 200), page
        html = response.content.decode()
        assert "training-banner" not in html, page
        assert "Nothing here is real" not in html, page


def test_the_platform_host_never_shows_the_banner(db):
    html = Client(HTTP_HOST="localhost").get("/").content.decode()
    assert "training-banner" not in html
