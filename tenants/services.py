"""Writes to the tenant registry: trusts, onboarding schools and changing their status.

Each function validates everything first and then writes in one transaction, so a refused
request leaves no row, no schema and no account behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from accounts import services as accounts
from accounts.errors import AccountError
from accounts.models import User, normalise_email
from safeguarding.setup import DEFAULT_TEMPLATE, TEMPLATE_NAMES, set_up_school
from tenants.errors import InvalidSchoolDetails, SlugTaken, TrustNotFound
from tenants.models import Domain, School, Trust
from tenants.schemas import clone_template_schema
from tenants.slugs import schema_name_for, training_slug_for, validate_slug
from trusts import services as trusts


@dataclass(frozen=True)
class Onboarded:
    school: School
    admin: User
    url: str


def school_host(slug: str) -> str:
    return f"{slug}.{settings.HAVEN_BASE_DOMAIN}"


def school_url(school: School) -> str:
    return settings.CONFIG.school_url(school.slug)


def in_public_schema():
    """The registry lives in the public schema, whichever school the caller was last in."""
    return schema_context(get_public_schema_name())


def create_trust(*, slug: str, name: str) -> Trust:
    slug = (slug or "").strip()
    validate_slug(slug)
    name = _required_name(name, what="trust")
    try:
        with in_public_schema(), transaction.atomic():
            return Trust.objects.create(slug=slug, name=name)
    except IntegrityError:
        raise SlugTaken(f"A trust with the slug {slug!r} already exists.") from None


def onboard_school(
    *,
    slug: str,
    name: str,
    admin_email: str,
    trust: str | None = None,
    template: str = DEFAULT_TEMPLATE,
) -> Onboarded:
    """Register a school, give it a schema cloned from the template schema with the chosen
    category template and default roles, and invite its first DSL. The school's host works
    as soon as this returns."""
    with in_public_schema():
        return _onboard_school(
            slug=slug, name=name, admin_email=admin_email, trust=trust, template=template
        )


def onboard_training_school(
    *, real: School, name: str, first_dsl_email: str, template: str
) -> Onboarded:
    """Register `real`'s training copy at `<slug>-training`: same trust, same category
    template, its own schema cloned from the template like any school's. Its first DSL is
    a made-up account, so no invitation is sent; tenants.training fills it and sets the
    trainees' password. Raises SlugTaken when the address is in use."""
    with in_public_schema():
        return _onboard_school(
            slug=training_slug_for(real.slug),
            name=name,
            admin_email=first_dsl_email,
            trust=real.trust.slug if real.trust_id else None,
            template=template,
            training_of=real,
        )


def _onboard_school(
    *,
    slug: str,
    name: str,
    admin_email: str,
    trust: str | None,
    template: str,
    training_of: School | None = None,
) -> Onboarded:
    slug = (slug or "").strip()
    if training_of is None:
        # A training copy's slug is derived from its real school's, which met these rules.
        validate_slug(slug)
    name = _required_name(name, what="school")
    if template not in TEMPLATE_NAMES:
        raise InvalidSchoolDetails(
            f"There is no category template called {template!r}; choose one of "
            f"{', '.join(TEMPLATE_NAMES)}.",
            field="template",
        )
    try:
        admin_email = accounts.clean_email(admin_email)
    except AccountError as error:
        raise InvalidSchoolDetails(error.message, field="admin_email") from None
    owner = _trust_by_slug(trust) if trust else None
    schema_name = schema_name_for(slug)
    taken = SlugTaken(f"A school with the slug {slug!r} already exists; nothing was changed.")
    if _slug_taken(slug, schema_name):
        raise taken

    try:
        with transaction.atomic():
            try:
                school = School.objects.create(
                    slug=slug,
                    name=name,
                    trust=owner,
                    schema_name=schema_name,
                    category_template=template,
                    training_of=training_of,
                )
            except ValidationError:
                raise taken from None  # django-tenants' own check on the schema name
            Domain.objects.create(domain=school_host(slug), tenant=school, is_primary=True)
            trusts.join_on_onboarding(school=school)
            clone_template_schema(schema_name)
            url = school_url(school)
            with schema_context(schema_name):
                admin = accounts.create_user(email=admin_email)
                set_up_school(template=template, first_dsl=admin)
                if training_of is None:
                    accounts.send_invitation(user=admin, site_name=school.name, site_url=url)
    except IntegrityError:
        # Another request registered the same slug between our check and our insert.
        raise taken from None
    return Onboarded(school=school, admin=admin, url=url)


def resend_invitation(*, school: School, email: str) -> User:
    """Email a new one-time link to someone who has not yet chosen a password."""
    email = normalise_email(email or "")
    with school:
        user = User.objects.filter(email=email).first()
        if user is None:
            raise InvalidSchoolDetails(f"{school.name} has no account for {email}.", field="email")
        if user.has_usable_password():
            raise InvalidSchoolDetails(
                f"{email} has already chosen a password, so there is no invitation to resend.",
                field="email",
            )
        accounts.send_invitation(user=user, site_name=school.name, site_url=school_url(school))
    return user


def suspend_school(*, school: School, reason: str) -> School:
    """Shut the school's host behind a notice page. Nothing in its schema is touched."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidSchoolDetails("Give a reason for suspending the school.", field="reason")
    if len(reason) > 500:
        raise InvalidSchoolDetails("Keep the reason to 500 characters or fewer.", field="reason")
    school.status = School.Status.SUSPENDED
    school.status_reason = reason
    with in_public_schema():
        school.save(update_fields=["status", "status_reason"])
    return school


def reactivate_school(*, school: School) -> School:
    if school.status == School.Status.OFFBOARDING:
        raise InvalidSchoolDetails(
            f"{school.name} is leaving Haven (offboarding) and cannot be reactivated.",
            field="slug",
        )
    school.status = School.Status.ACTIVE
    school.status_reason = ""
    with in_public_schema():
        school.save(update_fields=["status", "status_reason"])
    return school


def _slug_taken(slug: str, schema_name: str) -> bool:
    return School.objects.filter(slug=slug).exists() or schema_exists(schema_name)


def _required_name(name: str, *, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidSchoolDetails(f"Enter the {what}'s name.", field="name")
    if len(name) > 200:
        raise InvalidSchoolDetails(f"The {what}'s name is at most 200 characters.", field="name")
    return name


def _trust_by_slug(slug: str) -> Trust:
    try:
        return Trust.objects.get(slug=slug.strip())
    except Trust.DoesNotExist:
        raise TrustNotFound(
            f"There is no trust with the slug {slug!r}. Create it first with "
            f"`haven create-trust --slug {slug} --name ...`."
        ) from None
