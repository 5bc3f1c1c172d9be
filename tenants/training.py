"""Training copies: a school's linked training tenant (`abbey-training`) full of made-up
pupils, staff and incidents, for training staff on a projector without any real data.

Nothing is ever copied from the real school. The copy is onboarded from the template schema
like any new school, with the real school's trust and category template, then filled by
safeguarding.demo_data. Of the real school, only its registry row (slug, name, trust,
template) is read, and, for schools onboarded before the template was recorded, the names
of its top-level categories, to guess the template.
"""

from __future__ import annotations

import logging
import posixpath
import secrets
import time
from dataclasses import dataclass, field

from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import create_user
from safeguarding.access.defaults import (
    HEADS_OF_SCHOOL,
    SAFEGUARDING_TEAM,
    SLT,
    SUPPORT_STAFF,
    TEACHERS,
)
from safeguarding.access.services import ensure_default_roles
from safeguarding.concerns.catalogue import TEMPLATES
from safeguarding.concerns.models import Category
from safeguarding.demo_data import generate
from safeguarding.people.models import Group, StaffProfile
from safeguarding.people.services import create_staff_profile, initials_for
from safeguarding.setup import DEFAULT_TEMPLATE
from tenants.errors import TenancyError
from tenants.models import Domain, School
from tenants.schemas import drop_schema
from tenants.services import in_public_schema, onboard_training_school, school_url
from tenants.slugs import training_slug_for

logger = logging.getLogger(__name__)

# One made-up account per default role: (role, email's local part, name shown on screen).
TRAINEES = (
    (SAFEGUARDING_TEAM, "dsl", "Training DSL"),
    (SLT, "slt", "Training SLT"),
    (HEADS_OF_SCHOOL, "head", "Training Head of School"),
    (TEACHERS, "teacher", "Training Teacher"),
    (SUPPORT_STAFF, "support", "Training Support"),
)
# A reserved domain (RFC 2606): nothing sent to these addresses can reach anyone.
TRAINEE_DOMAIN = "training.example"

# Enough to look like a school on a projector, few enough to make during a page request.
PUPILS = {"primary": 150, "secondary": 300}
INCIDENTS = 600

# Nothing a trainee could misread from a projector: no 0/O, 1/l/I.
_UNAMBIGUOUS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class TrainingError(TenancyError):
    """A training copy that cannot be made as asked; nothing was changed."""


class NotARealSchool(TrainingError):
    """Training copies are made of real schools only."""


class TrainingCopyExists(TrainingError):
    """The school has a training copy already; making another needs `reset`."""

    def __init__(self, message: str, *, copy: School, url: str) -> None:
        super().__init__(message)
        self.copy = copy
        self.url = url


class TrainingSlugTaken(TrainingError):
    """`<slug>-training` belongs to another school, not to this school's training copy."""


@dataclass(frozen=True)
class TraineeLogin:
    role: str
    email: str


@dataclass(frozen=True)
class TrainingCopy:
    """A new training copy. `password` signs in every trainee login; it is not kept
    anywhere in clear, so show it once and let it go (repr leaves it out of logs)."""

    school: School
    url: str
    logins: tuple[TraineeLogin, ...]
    password: str = field(repr=False)
    pupils: int
    incidents: int
    seconds: float
    replaced: bool


def trainee_emails() -> list[str]:
    """The trainee logins of every training copy; only their password changes."""
    return [f"{local_part}@{TRAINEE_DOMAIN}" for _role, local_part, _name in TRAINEES]


def training_copy_of(school: School) -> School | None:
    """The school's training copy, if it has one."""
    with in_public_schema():
        return School.objects.filter(training_of=school).first()


def create_training_school(school: School, *, reset: bool = False) -> TrainingCopy:
    """Make `school`'s training copy at `<slug>-training`, filled with made-up people and
    incidents, with one trainee login per default role sharing a new random password.

    An existing copy is refused unless `reset`, which drops it (and everything trainees
    did in it) and makes a new one. All of it happens in one transaction: a failure leaves
    the old copy, if any, as it was, and no half-made school."""
    started = time.monotonic()
    if school.is_training:
        raise NotARealSchool(
            f"{school.name} is itself a training copy: make training copies of the real "
            "school instead. Nothing was changed."
        )
    slug = training_slug_for(school.slug)
    template = template_of(school)
    phase = "primary" if template == "primary" else "secondary"
    password = training_password()
    with in_public_schema(), transaction.atomic():
        # Two DSLs pressing the button at once: the second waits, then finds the first's copy.
        School.objects.select_for_update().get(pk=school.pk)
        existing = _existing_copy(school, slug, reset=reset)
        if existing is not None:
            _drop(existing)
        onboarded = onboard_training_school(
            real=school,
            name=training_name(school),
            first_dsl_email=f"dsl@{TRAINEE_DOMAIN}",
            template=template,
        )
        with onboarded.school:
            logins, trainees = _trainee_accounts(first_dsl=onboarded.admin, password=password)
            made = generate(
                pupils=PUPILS[phase], incidents=INCIDENTS, phase=phase, recorders=trainees
            )
            _join_a_form(trainees)
        if existing is not None:
            transaction.on_commit(lambda: _forget_files(existing.schema_name))
    logger.info(
        "%s the training copy %s of %s",
        "Re-created" if existing else "Created",
        onboarded.school.slug,
        school.slug,
    )
    return TrainingCopy(
        school=onboarded.school,
        url=onboarded.url,
        logins=logins,
        password=password,
        pupils=made.pupils,
        incidents=made.incidents,
        seconds=time.monotonic() - started,
        replaced=existing is not None,
    )


def training_name(school: School) -> str:
    """Shown in the header of every page and in emails, so it says what the school is."""
    suffix = " (training)"
    return school.name[: 200 - len(suffix)].rstrip() + suffix


def template_of(school: School) -> str:
    """The category template `school` was onboarded with. Schools onboarded before it was
    recorded get the template whose top-level categories they share most."""
    if school.category_template in TEMPLATES:
        return school.category_template
    with school:
        names = set(Category.objects.filter(parent=None).values_list("name", flat=True))
    shared = {
        template: len(names & {entry.name for entry in entries})
        for template, entries in TEMPLATES.items()
    }
    best = max(shared, key=shared.__getitem__)
    return best if shared[best] else DEFAULT_TEMPLATE


def training_password() -> str:
    """16 random characters (about 92 bits) in groups of four, easy to copy from a
    projector, with lower and upper case, a digit and a symbol for any password policy."""
    while True:
        chars = "".join(secrets.choice(_UNAMBIGUOUS) for _ in range(16))
        kinds = (str.islower, str.isupper, str.isdigit)
        if all(any(kind(char) for char in chars) for kind in kinds):
            return "-".join(chars[start : start + 4] for start in range(0, 16, 4))


def _existing_copy(school: School, slug: str, *, reset: bool) -> School | None:
    existing = School.objects.filter(slug=slug).first()
    if existing is None:
        return None
    if existing.training_of_id != school.pk:
        raise TrainingSlugTaken(
            f"The training copy's address {slug!r} belongs to another school "
            f"({existing.name}), so {school.name} cannot have a training copy there. "
            "Nothing was changed."
        )
    if not reset:
        url = school_url(existing)
        raise TrainingCopyExists(
            f"{school.name} already has a training copy at {url}; nothing was changed. "
            "Reset it to drop it, with everything trainees did in it, and make a new one.",
            copy=existing,
            url=url,
        )
    return existing


def _drop(copy: School) -> None:
    """The copy's registry rows and its schema; DROP SCHEMA fires no row triggers, so the
    made-up incidents go with it although no incident can ever be deleted row by row."""
    schema_name = copy.schema_name
    Domain.objects.filter(tenant=copy).delete()
    copy.delete()
    with connection.cursor() as cursor:
        # A copy made earlier in this same transaction has foreign-key checks pending on its
        # tables (Django's are DEFERRABLE INITIALLY DEFERRED), and PostgreSQL will not drop
        # a table with pending trigger events: run them now, then defer again as before.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        drop_schema(schema_name)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _trainee_accounts(
    *, first_dsl: User, password: str
) -> tuple[tuple[TraineeLogin, ...], list[User]]:
    """The onboarded first DSL is the trainee DSL; the other roles get one account each."""
    roles = ensure_default_roles()
    logins, users = [], []
    for (role, _local_part, full_name), email in zip(TRAINEES, trainee_emails(), strict=True):
        if role == SAFEGUARDING_TEAM:
            user = first_dsl
            user.full_name = full_name
            StaffProfile.objects.filter(user=user).update(initials=initials_for(user))
        else:
            user = create_user(email=email, full_name=full_name)
            create_staff_profile(user=user, role=roles[role])
        user.set_password(password)
        user.save()
        logins.append(TraineeLogin(role=role, email=email))
        users.append(user)
    return tuple(logins), users


def _join_a_form(trainees: list[User]) -> None:
    """Write-only staff see only their groups' pupils: give the trainee teacher and support
    assistant a form, so they have pupils to practise on."""
    form = Group.objects.filter(kind=Group.Kind.FORM).order_by("name").first()
    if form is None:
        return
    write_only = {TEACHERS, SUPPORT_STAFF}
    for user, (role, _local_part, _name) in zip(trainees, TRAINEES, strict=True):
        if role in write_only:
            user.staff_groups.add(form)


def _forget_files(schema_name: str) -> None:
    """After a reset, files trainees uploaded to the dropped copy are unreachable (no row
    points at them) but still stored under its schema's name: delete them."""
    try:
        with schema_context(schema_name):  # the storage reads the schema for its prefix
            _delete_tree(default_storage, "")
    except Exception:
        logger.exception("Could not delete the old training files of %s", schema_name)


def _delete_tree(storage: Storage, path: str) -> None:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(posixpath.join(path, name))
    for name in directories:
        _delete_tree(storage, posixpath.join(path, name))
