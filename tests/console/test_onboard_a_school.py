"""An operator onboards one school from the console: live at once, on its plan, paid by its
trust, audited; a refused request changes nothing but the audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_exists

from billing.models import Plan, Subscription
from console import onboarding
from console.audit import Act
from console.models import OperatorAction, SchoolHealth
from tenants.errors import TenancyError
from tenants.models import School, Trust
from tests.factories import OperatorFactory
from tests.sessions import platform_client

FORM = {
    "name": "Riverside Academy",
    "slug": "riverside",
    "trust": "demo",
    "template": "secondary",
    "plan": "standard",
    "admin_email": "dsl@riverside.example",
}


@pytest.fixture
def operator(db):
    return OperatorFactory()


def test_an_operator_onboards_a_school_that_is_live_on_its_plan_and_audited(operator):
    client = platform_client(operator)
    assert "First DSL's email" in client.get("/console/onboard/").content.decode()

    response = client.post("/console/onboard/", FORM, follow=True)

    assert response.redirect_chain == [("/console/schools/riverside/", 302)]
    page = response.content.decode()
    assert "Riverside Academy is live at http://riverside.localhost:8000/" in page
    assert "dsl@riverside.example, has been emailed an invitation" in page
    school = School.objects.get(slug="riverside")
    assert school.category_template == "secondary"
    assert school.subscription.plan.code == "standard"
    assert school.subscription.payer == Subscription.Payer.TRUST
    assert SchoolHealth.objects.filter(school=school, staff_accounts=1).exists()
    [entry] = OperatorAction.objects.filter(act=Act.ONBOARDED)
    assert (entry.operator_email, entry.outcome, entry.school, entry.trust.slug) == (
        operator.email, "done", school, "demo"
    )  # fmt: skip
    assert entry.detail == {"plan": "standard", "payer": "trust", "template": "secondary"}
    assert Client(HTTP_HOST="riverside.localhost").get("/accounts/login/").status_code == 200


def test_a_standalone_school_on_another_plan_pays_for_itself(operator):
    Plan.objects.create(
        code="small", name="Small school", annual_price_per_pupil=Decimal("3.00"),
        minimum_annual_charge=Decimal("300.00"),
    )  # fmt: skip
    done = onboarding.onboard(
        by=operator, slug="hilltop", name="Hilltop Primary", admin_email="dsl@hilltop.example",
        plan="small",
    )  # fmt: skip
    assert (done.subscription.plan.code, done.subscription.payer) == ("small", "school")
    assert done.school.trust is None


def test_an_unknown_plan_is_refused_with_the_values_kept_and_nothing_created(operator):
    response = platform_client(operator).post("/console/onboard/", {**FORM, "plan": "gold"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is no plan with the code &#x27;gold&#x27;; the plans are: standard." in page
    assert 'value="dsl@riverside.example"' in page and 'aria-invalid="true"' in page
    assert not School.objects.filter(slug="riverside").exists() and not schema_exists("riverside")
    [entry] = OperatorAction.objects.filter(act=Act.ONBOARDED)
    assert (entry.outcome, entry.subject, entry.detail) == (
        "refused",
        "riverside",
        {"field": "plan"},
    )
    assert "no plan with the code 'gold'" in entry.reason


def test_an_unknown_trust_is_refused_and_audited(operator):
    with pytest.raises(TenancyError) as refused:
        onboarding.onboard(
            by=operator, slug="riverside", name="Riverside", admin_email="dsl@riverside.example",
            trust="nowhere",
        )  # fmt: skip
    assert refused.value.field == "trust"
    assert "no trust with the slug 'nowhere'" in refused.value.message
    assert not School.objects.filter(slug="riverside").exists()
    assert OperatorAction.objects.get(act=Act.ONBOARDED).outcome == "refused"


def test_every_problem_of_the_form_is_shown_at_once(operator):
    response = platform_client(operator).post(
        "/console/onboard/",
        {**FORM, "name": "", "slug": "abbey", "template": "nursery", "admin_email": "dsl"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    for problem in (
        "Enter the school&#x27;s name.",
        "A school with the slug &#x27;abbey&#x27; already exists",
        "There is no category template called &#x27;nursery&#x27;",
        "&#x27;dsl&#x27; is not a valid email address.",
    ):
        assert problem in page
    assert School.objects.count() == 2


def test_an_operator_creates_a_trust_and_a_taken_slug_is_refused(operator):
    client = platform_client(operator)
    response = client.post(
        "/console/trusts/new/", {"name": "Oak Learning Trust", "slug": "oak", "next": "/console/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/?trust=oak"
    assert Trust.objects.filter(slug="oak", name="Oak Learning Trust").exists()

    response = client.post("/console/trusts/new/", {"name": "Another", "slug": "oak"})
    assert response.status_code == 400
    assert "A trust with the slug &#x27;oak&#x27; already exists." in response.content.decode()
    assert list(
        OperatorAction.objects.filter(act=Act.TRUST_CREATED)
        .order_by("pk")
        .values_list("outcome", "subject")
    ) == [("done", "oak"), ("refused", "oak")]
