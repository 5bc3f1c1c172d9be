"""The demo that `haven up` creates on a local install: an operator and a trust with two
schools full of synthetic pupils and incidents, each with a DSL and a teacher who can sign in,
and a trust lead who sees the two schools' anonymised figures.

Passwords are random per install and kept in var/demo-logins.json (readable by its owner
only), so a demo left running on a network is not open to anyone who has read the README.
Whatever is missing is made and the passwords are set anew, in one transaction, whenever
that file is missing, so an interrupted first start mends itself on the next.
"""

from __future__ import annotations

import datetime
import json
import secrets
import string
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import create_operator, create_user
from haven.config import Config
from insights.services import rebuild as rebuild_facts
from safeguarding.access.defaults import SAFEGUARDING_TEAM, TEACHERS
from safeguarding.access.services import ensure_default_roles
from safeguarding.alerts.models import AlertSettings, DutySlot
from safeguarding.demo_data import generate
from safeguarding.people.models import Group, Pupil
from safeguarding.people.services import create_staff_profile
from tenants.models import School, Trust
from tenants.services import create_trust, in_public_schema, onboard_school
from trusts.services import invite_trust_lead

TRUST = ("demo", "Demo Academy Trust")
# slug, name, category template and phase, synthetic pupils and incidents
SCHOOLS = [
    ("abbey", "Abbey Community College", "secondary", 400, 1500),
    ("westleigh", "Westleigh Methodist Primary School", "primary", 180, 500),
]
OPERATOR_EMAIL = "operator@haven.example"
TRUST_LEAD_EMAIL = "lead@demo-trust.example"


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
        trust = Trust.objects.filter(slug=TRUST[0]).first() or create_trust(
            slug=TRUST[0], name=TRUST[1]
        )
        logins = [DemoLogin("Platform (operator)", config.platform_url, OPERATOR_EMAIL, password)]
        logins.append(_trust_lead_login(config, trust, operator))
        for slug, name, template, pupils, incidents in SCHOOLS:
            school = School.objects.filter(slug=slug).first()
            if school is None:
                school = _onboard(slug, name, template, pupils=pupils, incidents=incidents)
            logins += _school_logins(config, school)
    return logins


def _onboard(slug: str, name: str, template: str, *, pupils: int, incidents: int) -> School:
    school = onboard_school(
        slug=slug, name=name, admin_email=f"dsl@{slug}.example", trust=TRUST[0], template=template
    ).school
    with school:
        phase = "primary" if template == "primary" else "secondary"
        generate(pupils=pupils, incidents=incidents, phase=phase, seed=len(slug))
        _former_pupils(count=2)
    # The trust's figures, counted from what was just generated (the worker keeps them
    # current from here on).
    rebuild_facts(school)
    return school


def _trust_lead_login(config: Config, trust: Trust, operator: User) -> DemoLogin:
    """The demo trust's lead, as if they had followed an operator's invitation. Trust leads
    must set up a second factor: the demo leaves that to the first sign-in (an authenticator
    app, or a security key or passkey, which browsers allow on localhost), as for a real
    lead, rather than keep a factor's secret in a file."""
    password = demo_password()
    user = User.objects.filter(email=TRUST_LEAD_EMAIL).first()
    if user is None:
        user = invite_trust_lead(
            trust=trust, email=TRUST_LEAD_EMAIL, full_name="Demo Trust Lead", invited_by=operator
        ).user
    _set_password(user, password)
    url = config.platform_url + "trust/"
    return DemoLogin(f"{trust.name} (trust lead)", url, TRUST_LEAD_EMAIL, password)


def _former_pupils(*, count: int) -> None:
    """A few pupils with concerns who have left and are past the retention rule (26, gone
    two months), so that Retention has records to review in the demo."""
    today = timezone.localdate()
    chosen = list(
        Pupil.objects.filter(incidents__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    Pupil.objects.filter(pk__in=chosen).update(
        date_of_birth=datetime.date(today.year - 26, 1, 15),
        leaving_date=today - datetime.timedelta(days=60),
    )


def _school_logins(config: Config, school: School) -> list[DemoLogin]:
    """The school's demo DSL and a teacher with a form, with new passwords, as if they had
    followed their invitations."""
    url = config.school_url(school.slug)
    logins = []
    with school:
        people = []
        for email, full_name, role, label in (
            (f"dsl@{school.slug}.example", "Demo DSL", SAFEGUARDING_TEAM, "DSL"),
            (f"deputy@{school.slug}.example", "Demo Deputy DSL", SAFEGUARDING_TEAM, "deputy DSL"),
            (f"teacher@{school.slug}.example", "Demo Teacher", TEACHERS, "teacher"),
        ):
            password = demo_password()
            user = User.objects.filter(email=email).first() or _staff(email, role)
            user.full_name = full_name
            _set_password(user, password)
            people.append(user)
            logins.append(DemoLogin(f"{school.name} ({label})", url, email, password))
        _ensure_rota(on_duty=people[0], next_up=people[1])
    return logins


def _ensure_rota(*, on_duty: User, next_up: User) -> None:
    """The demo DSL on duty around the clock with the deputy next, and alerts escalating
    after 2 minutes, so that escalation can be seen without waiting; a real school's rota
    starts empty (every DSL is alerted) and its escalation at 15 minutes."""
    if DutySlot.objects.exists():
        return
    DutySlot.objects.bulk_create(
        DutySlot(weekday=day, starts=datetime.time(0), ends=datetime.time(23, 59, 59, 999999),
                 user=user, position=position)
        for day in range(7)
        for position, user in ((1, on_duty), (2, next_up))
    )  # fmt: skip
    AlertSettings.objects.update_or_create(pk=1, defaults={"escalate_after_minutes": 2})


def _staff(email: str, role_name: str) -> User:
    user = create_user(email=email)
    create_staff_profile(user=user, role=ensure_default_roles()[role_name])
    form = Group.objects.filter(kind=Group.Kind.FORM).first()
    if form is not None:
        user.staff_groups.add(form)
    return user


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["full_name", "password"])


def _save(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps([asdict(login) for login in logins], indent=2))
