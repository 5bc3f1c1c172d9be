"""Billing's console pages, as an operator uses them on the platform host."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from billing.dunning import run_dunning
from billing.models import BillingContact, CreditNote, Invoice, Payment, Plan, Subscription
from console.models import OperatorAction
from tenants.models import School
from tests.factories import OperatorFactory
from tests.sessions import platform_client


def test_only_verified_operators_reach_billing(db, trust_invoice):
    unverified = platform_client(OperatorFactory(), verified=False)
    assert unverified.get("/console/billing/").status_code == 302
    assert unverified.post("/console/billing/run/", {"month": "2027-02"}).status_code == 302
    assert Invoice.objects.count() == 1


def test_the_invoice_list_filters_and_marks_overdue_invoices(console, trust_invoice):
    Invoice.objects.filter(pk=trust_invoice.pk).update(due_on=datetime.date(2026, 1, 1))

    page = console.get("/console/billing/", {"month": "2027-01", "status": "overdue"})
    html = page.content.decode()

    assert page.status_code == 200
    assert trust_invoice.number in html and "Overdue</span>" in html
    assert "£120.00" in html
    assert f"/console/billing/invoices/{trust_invoice.number}/pdf/" in html
    assert "No invoice matches" in console.get("/console/billing/?status=paid").content.decode()
    bad = console.get("/console/billing/?month=January")
    assert bad.status_code == 400 and "YYYY-MM" in bad.content.decode()


def test_the_invoice_page_shows_lines_and_downloads_as_pdf(console, trust_invoice):
    html = console.get(f"/console/billing/invoices/{trust_invoice.number}/").content.decode()
    pdf = console.get(f"/console/billing/invoices/{trust_invoice.number}/pdf/")

    assert "Abbey Community College" in html and "Westleigh Methodist Primary School" in html
    assert "VAT at 20%" in html and "Record a payment" in html
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert console.get("/console/billing/invoices/INV-999999/").status_code == 404


def test_an_operator_records_a_payment(console, operator, trust_invoice):
    response = console.post(
        f"/console/billing/invoices/{trust_invoice.number}/payments/",
        {"amount": "£120.00", "received_on": str(datetime.date.today()),
         "provider": "bank_transfer", "reference": "BACS 77"},
    )  # fmt: skip

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.recorded_by) == (Decimal("120.00"), operator.email)
    page = console.get(response["Location"]).content.decode()
    assert "Recorded £120.00 against" in page and "Record a payment" not in page
    entry = OperatorAction.objects.get(act="payment_recorded")
    assert entry.operator_id == operator.pk


def test_an_overpayment_is_refused_on_the_page(console, trust_invoice):
    response = console.post(
        f"/console/billing/invoices/{trust_invoice.number}/payments/",
        {"amount": "1,000.00", "received_on": str(datetime.date.today()),
         "provider": "bank_transfer"},
    )  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 400
    assert "£1,000.00 is more than the £120.00 still owed" in html
    assert 'id="field-payment_amount" name="amount" value="1,000.00"' in html
    assert 'aria-invalid="true"' in html
    assert not Payment.objects.exists()


def test_a_credit_note_larger_than_what_is_left_is_refused_and_nothing_written(
    console, trust_invoice
):
    response = console.post(
        f"/console/billing/invoices/{trust_invoice.number}/credit-notes/",
        {"amount": "120.01", "reason": "Wrong roll"},
    )

    assert response.status_code == 400
    assert "more than the £120.00 left" in response.content.decode()
    assert not CreditNote.objects.exists()
    assert OperatorAction.objects.get(act="credit_note_issued").outcome == "refused"

    issued = console.post(
        f"/console/billing/invoices/{trust_invoice.number}/credit-notes/",
        {"amount": "20", "reason": "Wrong roll"},
    )
    assert issued.status_code == 302
    assert CreditNote.objects.get().amount == Decimal("20.00")


def test_running_billing_twice_for_a_month_says_nothing_new_was_issued(
    console, abbey, westleigh, joined
):
    joined(abbey, datetime.date(2020, 9, 1))
    joined(westleigh, datetime.date(2020, 9, 1))

    first = console.post("/console/billing/run/", {"month": "2027-02"}, follow=True)
    second = console.post("/console/billing/run/", {"month": "2027-02"}, follow=True)

    assert "February 2027: 1 invoice(s) issued" in first.content.decode()
    assert (
        "February 2027: nothing new was issued; 1 payer(s) already had their invoice"
        in second.content.decode()
    )
    assert Invoice.objects.count() == 1
    runs = OperatorAction.objects.filter(act="billing_run").order_by("pk")
    assert [entry.detail["issued"] for entry in runs] == [1, 0]


def test_a_malformed_month_is_refused_on_the_run_page(console):
    response = console.post("/console/billing/run/", {"month": "Feb"})
    assert response.status_code == 400
    assert "The month must be written YYYY-MM" in response.content.decode()
    assert OperatorAction.objects.get(act="billing_run").outcome == "refused"


def test_an_operator_creates_a_plan(console):
    response = console.post(
        "/console/billing/plans/",
        {"code": "large-2027", "name": "Large schools", "annual_price_per_pupil": "3.50",
         "minimum_annual_charge": "1,200"},
    )  # fmt: skip
    refused = console.post(
        "/console/billing/plans/",
        {"code": "large-2027", "name": "Again", "annual_price_per_pupil": "x",
         "minimum_annual_charge": "0"},
    )  # fmt: skip

    assert response.status_code == 302
    plan = Plan.objects.get(code="large-2027")
    assert (plan.annual_price_per_pupil, plan.minimum_annual_charge) == (
        Decimal("3.50"),
        Decimal("1200.00"),
    )
    assert refused.status_code == 400 and "A price is pounds and pence" in refused.content.decode()
    html = console.get("/console/billing/plans/").content.decode()
    assert "Large schools" in html and "£1,200.00" in html


def test_a_schools_plan_payer_and_contact_change_on_its_console_page(console, abbey):
    Plan.objects.create(
        code="small", name="Small", annual_price_per_pupil=Decimal("5.00"),
        minimum_annual_charge=Decimal("0"),
    )  # fmt: skip
    page = console.get("/console/schools/abbey/").content.decode()
    assert "Plan and payer" in page and "No one gets reminders now." in page
    form = {"plan": "small", "payer": "school", "billing_email": "Bursar@Abbey.example"}

    switched = console.post("/console/billing/schools/abbey/", form)  # the trust paid before
    assert "no billing contact was changed" in console.get(switched["Location"]).content.decode()
    assert not BillingContact.objects.exists()
    response = console.post("/console/billing/schools/abbey/", form)

    assert response.status_code == 302 and response["Location"] == "/console/schools/abbey/"
    subscription = Subscription.objects.get(school=abbey)
    assert (subscription.plan.code, subscription.payer) == ("small", "school")
    assert BillingContact.objects.get(school=abbey).email == "bursar@abbey.example"
    first, second = OperatorAction.objects.filter(act="subscription_changed").order_by("pk")
    assert first.detail["plan"] == [None, "small"]
    assert first.detail["billing_contact"] == "unchanged: the payer changed"
    assert second.detail["billing_contact"] == "set for the school"


def test_switching_a_school_to_trust_billing_leaves_both_contacts_alone(console, abbey):
    Subscription.objects.create(
        school=abbey, plan=Plan.objects.get(is_default=True), payer="school"
    )
    BillingContact.objects.create(school=abbey, email="office@abbey.example")
    BillingContact.objects.create(trust=abbey.trust, email="finance@trust.example")
    page = console.get("/console/schools/abbey/").content.decode()
    assert 'value="office@abbey.example"' in page  # what the form carries back

    to_trust = console.post(
        "/console/billing/schools/abbey/",
        {"plan": "standard", "payer": "trust", "billing_email": "office@abbey.example"},
    )
    back_blank = console.post(
        "/console/billing/schools/abbey/",
        {"plan": "standard", "payer": "school", "billing_email": ""},
    )

    assert to_trust.status_code == back_blank.status_code == 302
    assert BillingContact.objects.get(trust=abbey.trust).email == "finance@trust.example"
    assert BillingContact.objects.get(school=abbey).email == "office@abbey.example"


def test_a_refused_subscription_change_keeps_what_was_typed(console, abbey):
    response = console.post(
        "/console/billing/schools/abbey/",
        {"plan": "standard", "payer": "school", "billing_email": "not an email"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The billing contact must be an email address." in html
    assert 'value="not an email"' in html
    assert not Subscription.objects.filter(school=abbey).exists()


def test_an_operator_lifts_read_only_from_the_schools_page(console, trust_invoice, abbey):
    run_dunning(today=trust_invoice.due_on + datetime.timedelta(days=45))
    page = console.get("/console/schools/abbey/").content.decode()
    assert "Lift read-only access" in page and trust_invoice.number in page

    refused = console.post("/console/billing/schools/abbey/lift-read-only/", {"reason": ""})
    lifted = console.post(
        "/console/billing/schools/abbey/lift-read-only/", {"reason": "Paying on Friday"}
    )

    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    assert lifted.status_code == 302
    assert School.objects.get(pk=abbey.pk).billing_read_only_since is None


@pytest.mark.parametrize(
    "path", ["/console/billing/", "/console/billing/plans/", "/console/billing/run/"]
)
def test_the_billing_pages_have_empty_states(console, path):
    response = console.get(path)
    assert response.status_code == 200
    assert 'aria-current="page">Billing</a>' in response.content.decode()
