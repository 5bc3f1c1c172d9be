"""The alert rules a school starts with, by its category template.

- Every school: SLT, pastoral (Heads of School) and class teachers for every category
  (Westleigh policy, "Alert staff members").
- Restricted categories, primary (Westleigh): only SLT, pastoral and the DSL on duty.
- Restricted categories, other templates (Abbey policy): only the DSL on duty, who "will
  receive notifications for all safeguarding incidents" and forwards each to a team member.

A rule for a restricted category is the only kind that applies to an incident in one
(alerts.services.rule_audience), so class teachers are never alerted to it by a rule."""

from __future__ import annotations

from safeguarding.access.defaults import HEADS_OF_SCHOOL, SLT
from safeguarding.access.models import Role
from safeguarding.alerts.models import AlertRule
from safeguarding.concerns.models import Category

# Templates whose restricted categories also alert SLT and pastoral.
RESTRICTED_TO_SLT_AND_PASTORAL = {"primary"}


def create_default_rules(*, template: str, roles: dict[str, Role]) -> list[AlertRule]:
    slt_and_pastoral = [roles[SLT], roles[HEADS_OF_SCHOOL]]
    everything = AlertRule.objects.create(category=None, include_group_staff=True)
    everything.roles.set(slt_and_pastoral)
    rules = [everything]
    # One rule per restricted category, unless its parent is restricted and has a rule.
    for category in Category.objects.filter(restricted=True).select_related("parent"):
        if category.parent_id and category.parent.restricted:
            continue
        rule = AlertRule.objects.create(category=category, include_dsl_on_duty=True)
        if template in RESTRICTED_TO_SLT_AND_PASTORAL:
            rule.roles.set(slt_and_pastoral)
        rules.append(rule)
    return rules
