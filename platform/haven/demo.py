"""The demo that a first `haven up` creates: an operator and a trust with two schools.

Passwords are random per install and kept in var/demo-logins.json (readable by its owner
only), so a demo left running on a network is not open to anyone who has read the README.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction

from accounts.models import User
from accounts.services import create_operator
from haven.config import Config
from tenants.models import School, Trust
from tenants.services import create_trust, onboard_school

TRUST = ("demo", "Demo Academy Trust")
SCHOOLS = [
    ("abbey", "Abbey Community College"),
    ("westleigh", "Westleigh Methodist Primary School"),
]
OPERATOR_EMAIL = "operator@haven.example"


@dataclass(frozen=True)
class DemoLogin:
    where: str
    url: str
    email: str
    password: str


def demo_password() -> str:
    """Random, and meeting the strictest composition rule a school can choose."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(14)) + "-a7Q"


def ensure_demo(config: Config) -> list[DemoLogin]:
    """Create the demo on first start; on later starts, return the logins made then."""
    path = config.var_dir / "demo-logins.json"
    if path.exists():
        return [DemoLogin(**row) for row in json.loads(path.read_text())]
    if Trust.objects.filter(slug=TRUST[0]).exists():
        return []  # made by an earlier install whose var directory was not kept
    logins = _create_demo(config)
    _save(path, logins)
    return logins


def _create_demo(config: Config) -> list[DemoLogin]:
    password = demo_password()
    with transaction.atomic():
        create_operator(email=OPERATOR_EMAIL, full_name="Demo Operator", password=password)
        create_trust(slug=TRUST[0], name=TRUST[1])
    logins = [DemoLogin("Platform (operator)", config.platform_url, OPERATOR_EMAIL, password)]
    for slug, name in SCHOOLS:
        onboarded = onboard_school(
            slug=slug, name=name, admin_email=f"dsl@{slug}.example", trust=TRUST[0]
        )
        logins.append(_claim(onboarded.school, onboarded.admin.email, onboarded.url))
    return logins


def _claim(school: School, email: str, url: str) -> DemoLogin:
    """Give the demo DSL a password, as they would by following the invitation."""
    password = demo_password()
    with school:
        admin = User.objects.get(email=email)
        admin.full_name = "Demo DSL"
        admin.set_password(password)
        admin.save(update_fields=["full_name", "password"])
    return DemoLogin(school.name, url, email, password)


def _save(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps([asdict(login) for login in logins], indent=2))
