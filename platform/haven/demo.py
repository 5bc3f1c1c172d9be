"""The demo that `haven up` creates on a local install: an operator and a trust with two
schools, each with a DSL who can sign in.

Passwords are random per install and kept in var/demo-logins.json (readable by its owner
only), so a demo left running on a network is not open to anyone who has read the README.
Whatever is missing is made and the passwords are set anew, in one transaction, whenever
that file is missing, so an interrupted first start mends itself on the next.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction

from accounts.models import User
from accounts.services import create_operator, create_user
from haven.config import Config
from tenants.models import School, Trust
from tenants.services import create_trust, in_public_schema, onboard_school

TRUST = ("demo", "Demo Academy Trust")
SCHOOLS = [
    ("abbey", "Abbey Community College", "secondary"),
    ("westleigh", "Westleigh Methodist Primary School", "primary"),
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
    path = config.var_dir / "demo-logins.json"
    if path.exists() and Trust.objects.filter(slug=TRUST[0]).exists():
        return [DemoLogin(**row) for row in json.loads(path.read_text())]
    with transaction.atomic():
        logins = _make_or_mend(config)
    _save(path, logins)
    return logins


def _make_or_mend(config: Config) -> list[DemoLogin]:
    with in_public_schema():
        password = demo_password()
        operator = User.objects.filter(email=OPERATOR_EMAIL).first() or create_operator(
            email=OPERATOR_EMAIL, full_name="Demo Operator"
        )
        _set_password(operator, password)
        if not Trust.objects.filter(slug=TRUST[0]).exists():
            create_trust(slug=TRUST[0], name=TRUST[1])
        logins = [DemoLogin("Platform (operator)", config.platform_url, OPERATOR_EMAIL, password)]
        for slug, name, template in SCHOOLS:
            school = School.objects.filter(slug=slug).first() or _onboard(slug, name, template)
            logins.append(_dsl_login(config, school))
    return logins


def _onboard(slug: str, name: str, template: str) -> School:
    return onboard_school(
        slug=slug, name=name, admin_email=f"dsl@{slug}.example", trust=TRUST[0], template=template
    ).school


def _dsl_login(config: Config, school: School) -> DemoLogin:
    """The school's demo DSL with a new password, as if they had followed the invitation."""
    email = f"dsl@{school.slug}.example"
    password = demo_password()
    with school:
        dsl = User.objects.filter(email=email).first() or create_user(email=email)
        dsl.full_name = "Demo DSL"
        _set_password(dsl, password)
    return DemoLogin(school.name, config.school_url(school.slug), email, password)


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["full_name", "password"])


def _save(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps([asdict(login) for login in logins], indent=2))
