"""What a new school starts with, applied inside its freshly cloned schema at onboarding:
the chosen category template and agencies, the default roles and alert rules, and its first DSL."""

from __future__ import annotations

from accounts.models import User
from safeguarding.access.defaults import SAFEGUARDING_TEAM
from safeguarding.access.services import create_default_roles
from safeguarding.alerts.defaults import create_default_rules
from safeguarding.concerns.catalogue import TEMPLATES
from safeguarding.concerns.services import apply_template
from safeguarding.people.services import create_staff_profile

DEFAULT_TEMPLATE = "primary"
TEMPLATE_NAMES = tuple(TEMPLATES)


def set_up_school(*, template: str, first_dsl: User) -> None:
    opened = apply_template(template)
    roles = create_default_roles(heads_of_school_categories=opened["heads_of_school"])
    create_default_rules(template=template, roles=roles)
    create_staff_profile(user=first_dsl, role=roles[SAFEGUARDING_TEAM], job_title="DSL")
