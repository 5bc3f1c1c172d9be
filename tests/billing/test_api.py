"""Billing in the operator API: the console's operations as JSON, money as strings, refusals
as 400s naming the field with nothing written."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from knox.models import AuthToken

from billing.models import CreditNote, Invoice, Payment, Plan, Subscription
from console.models import OperatorAction
from tests.factories import UserFactory


@pytest.fixture
def api(operator):
    _, token = AuthToken.objects.create(user=operator)
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")


def _post(client, path, body, method="post"):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_billing_needs_an_operator(db, trust_invoice):
    assert Client(HTTP_HOST="localhost").get("/api/v1/invoices/").status_code == 401
    _, token = AuthToken.objects.create(user=UserFactory())
    stranger = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    assert stranger.get("/api/v1/invoices/").status_code == 403
    assert _post(stranger, "/api/v1/billing-runs/", {"month": "2027-02"}).status_code == 403


def test_invoices_are_listed_with_money_as_strings(api, trust_invoice):
    [listed] = api.get("/api/v1/invoices/", {"month": "2027-01", "status": "issued"}).json()
    detail = api.get(f"/api/v1/invoices/{trust_invoice.number}/").json()

    assert listed["number"] == trust_invoice.number
    assert (listed["payer"], listed["payer_slug"], listed["month"]) == ("trust", "demo", "2027-01")
    assert (listed["net"], listed["vat"], listed["gross"], listed["owed"]) == (
        "100.00", "20.00", "120.00", "120.00",
    )  # fmt: skip
    assert listed["overdue"] is False
    assert [line["school"] for line in detail["lines"]] == ["abbey", "westleigh"]
    assert api.get("/api/v1/invoices/", {"status": "paid"}).json() == []
    assert api.get("/api/v1/invoices/", {"month": "Jan"}).status_code == 400
    assert api.get("/api/v1/invoices/INV-999999/").status_code == 404


def test_the_invoice_pdf(api, trust_invoice):
    response = api.get(f"/api/v1/invoices/{trust_invoice.number}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_payment_and_an_overpayment(api, trust_invoice):
    body = {"invoice": trust_invoice.number, "amount": "100.00",
            "received_on": str(datetime.date.today()), "reference": "BACS 1"}  # fmt: skip

    paid = _post(api, "/api/v1/payments/", body)
    over = _post(api, "/api/v1/payments/", {**body, "amount": "20.01"})
    unknown = _post(api, "/api/v1/payments/", {**body, "amount": "1.00", "provider": "card"})

    assert paid.status_code == 201 and paid.json()["amount"] == "100.00"
    assert paid.json()["method"] == "bank_transfer"
    assert over.status_code == 400
    assert over.json() == {
        "amount": [
            f"A payment of £20.01 is more than the £20.00 still owed on {trust_invoice.number}. "
            "Record £20.00 and refund the rest."
        ]
    }
    assert unknown.status_code == 400 and "provider" in unknown.json()
    assert Payment.objects.count() == 1
    assert [p["amount"] for p in api.get("/api/v1/payments/").json()] == ["100.00"]


def test_a_credit_note_and_one_too_large(api, trust_invoice):
    body = {"invoice": trust_invoice.number, "amount": "120.01", "reason": "Wrong roll"}

    too_large = _post(api, "/api/v1/credit-notes/", body)
    issued = _post(api, "/api/v1/credit-notes/", {**body, "amount": "120.00"})

    assert too_large.status_code == 400 and "£120.00 left" in too_large.json()["amount"][0]
    assert issued.status_code == 201 and issued.json()["number"].startswith("CN-")
    assert CreditNote.objects.count() == 1
    assert Invoice.objects.get().status == Invoice.Status.CREDITED
    assert [e.outcome for e in OperatorAction.objects.filter(act="credit_note_issued")] == [
        "done", "refused",
    ]  # fmt: skip


def test_a_billing_run_then_its_repeat(api, abbey, westleigh, joined):
    joined(abbey, datetime.date(2020, 9, 1))
    joined(westleigh, datetime.date(2020, 9, 1))

    first = _post(api, "/api/v1/billing-runs/", {"month": "2027-03"})
    again = _post(api, "/api/v1/billing-runs/", {"month": "2027-03"})
    bad = _post(api, "/api/v1/billing-runs/", {"month": "2027-13"})

    assert first.status_code == 201 and len(first.json()["issued"]) == 1
    assert again.status_code == 200
    assert (again.json()["issued"], again.json()["already_invoiced"]) == ([], 1)
    assert "nothing new was issued" in again.json()["message"]
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["month"][0]
    assert api.get("/api/v1/billing-runs/").json() == [
        {"month": "2027-03", "invoices": 1, "gross": "120.00"}
    ]


def test_plans_are_listed_and_created(api):
    body = {"code": "big", "name": "Big", "annual_price_per_pupil": "3.00",
            "minimum_annual_charge": "900.00"}  # fmt: skip

    created = _post(api, "/api/v1/plans/", body)
    duplicate = _post(api, "/api/v1/plans/", body)

    assert created.status_code == 201 and created.json()["annual_price_per_pupil"] == "3.00"
    assert duplicate.status_code == 400 and "exists already" in duplicate.json()["code"][0]
    assert {p["code"] for p in api.get("/api/v1/plans/").json()} == {"big", "standard"}


def test_a_schools_subscription_is_set(api, abbey):
    Plan.objects.create(code="big", name="Big", annual_price_per_pupil=3, minimum_annual_charge=0)

    done = _post(api, "/api/v1/schools/abbey/subscription/", {"plan": "big", "payer": "school",
                 "billing_email": "bursar@abbey.example"}, method="put")  # fmt: skip
    no_plan = _post(api, "/api/v1/schools/abbey/subscription/", {"plan": "gold", "payer": "school"},
                    method="put")  # fmt: skip

    assert done.status_code == 200
    assert done.json() == {"school": "abbey", "plan": "big", "payer": "school"}
    assert no_plan.status_code == 400 and no_plan.json() == {"plan": ["There is no plan 'gold'."]}
    assert Subscription.objects.get(school=abbey).plan.code == "big"
    assert _post(api, "/api/v1/schools/nowhere/subscription/", {}, method="put").status_code == 404


def test_read_only_is_lifted_through_the_api(api, trust_invoice, abbey):
    from billing.dunning import run_dunning

    run_dunning(today=trust_invoice.due_on + datetime.timedelta(days=45))

    lifted = _post(api, "/api/v1/schools/abbey/lift-read-only/", {"reason": "Paying Friday"})
    again = _post(api, "/api/v1/schools/abbey/lift-read-only/", {"reason": "Paying Friday"})

    assert lifted.json() == {"school": "abbey", "read_only": False}
    assert again.status_code == 400 and "is not read-only" in again.json()["__all__"][0]


def test_the_platform_schema_describes_billing(db):
    import yaml

    schema = yaml.safe_load(Client(HTTP_HOST="localhost").get("/api/schema/").content)
    assert {
        "/api/v1/plans/",
        "/api/v1/invoices/",
        "/api/v1/invoices/{number}/",
        "/api/v1/invoices/{number}/pdf/",
        "/api/v1/payments/",
        "/api/v1/credit-notes/",
        "/api/v1/billing-runs/",
        "/api/v1/schools/{slug}/subscription/",
    } <= set(schema["paths"])
