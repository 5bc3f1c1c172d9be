"""Billing's console pages on the platform host: invoices (with payments and credit notes),
plans, the monthly run and a school's plan, payer and read-only access. Thin: they parse,
call billing.services, billing.payments or billing.dunning, and render; refusals come back
as the service's message, with nothing written."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing import dunning, payments, selectors, services
from billing.errors import ALL, BillingError
from billing.models import Invoice
from billing.pdf import invoice_pdf as render_pdf
from billing.pricing import parse_amount, pounds
from console.access import operator_page
from tenants.models import School


def _errors(refused: BillingError, prefix: str) -> dict[str, list[str]]:
    """A refusal as the page's errors, keyed by the form's field ids (prefixed, since one
    page carries several forms)."""
    key = ALL if refused.field in (ALL, "invoice") else f"{prefix}{refused.field}"
    return {key: [refused.message]}


def _date(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(text or "").strip())
    except ValueError:
        return None


@operator_page()
def invoices(request: HttpRequest) -> HttpResponse:
    filters = selectors.InvoiceFilters.from_query(request.GET)
    page = Paginator(selectors.invoices(filters), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/console/invoices.html",
        {
            "page": page,
            "filters": filters,
            "month_text": request.GET.get("month", "").strip()[:7],
            "statuses": selectors.STATUSES,
            "errors": filters.errors,
            "query": query.urlencode(),
        },
        status=400 if filters.errors else 200,
    )


def _invoice_or_404(number: str) -> Invoice:
    found = selectors.invoice_by_number(number)
    if found is None:
        raise Http404("No such invoice")
    return found


def _invoice_page(
    request: HttpRequest,
    invoice: Invoice,
    *,
    errors: dict | None = None,
    entered: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "billing/console/invoice.html",
        {
            "invoice": invoice,
            "errors": errors or {},
            "entered": entered or {},
            "providers": payments.operator_providers(),
            "today": datetime.date.today().isoformat(),
        },
        status=status,
    )


@operator_page()
def invoice(request: HttpRequest, number: str) -> HttpResponse:
    return _invoice_page(request, _invoice_or_404(number))


@operator_page()
def invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    found = _invoice_or_404(number)
    response = HttpResponse(render_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@operator_page()
@require_POST
def record_payment(request: HttpRequest, number: str) -> HttpResponse:
    found = _invoice_or_404(number)
    data = request.POST
    try:
        payment = payments.record_payment(
            provider_name=data.get("provider", ""),
            invoice_number=found.number,
            amount=parse_amount(data.get("amount", "")),
            received_on=_date(data.get("received_on")),
            reference=data.get("reference", ""),
            by=request.user,
        )
    except BillingError as refused:
        return _invoice_page(
            request, found, errors=_errors(refused, "payment_"),
            entered={f"payment_{k}": v for k, v in data.items()}, status=400,
        )  # fmt: skip
    messages.success(request, f"Recorded {pounds(payment.amount)} against {found.number}.")
    return redirect("billing:invoice", number=found.number)


@operator_page()
@require_POST
def credit_note(request: HttpRequest, number: str) -> HttpResponse:
    found = _invoice_or_404(number)
    data = request.POST
    try:
        note = services.issue_credit_note(
            invoice_number=found.number,
            amount=parse_amount(data.get("amount", "")),
            reason=data.get("reason", ""),
            by=request.user,
        )
    except BillingError as refused:
        return _invoice_page(
            request, found, errors=_errors(refused, "credit_"),
            entered={f"credit_{k}": v for k, v in data.items()}, status=400,
        )  # fmt: skip
    messages.success(request, f"Issued {note.number} for {pounds(note.amount)}.")
    return redirect("billing:invoice", number=found.number)


@operator_page()
def run(request: HttpRequest) -> HttpResponse:
    """The monthly run, by hand: safe to repeat (a payer invoiced for the month is left)."""
    errors: dict[str, list[str]] = {}
    entered = ""
    if request.method == "POST":
        entered = request.POST.get("month", "").strip()
        try:
            result = services.billing_run(month=entered, by=request.user)
        except BillingError as refused:
            errors = _errors(refused, "")
        else:
            level = messages.SUCCESS if result.invoices_issued else messages.INFO
            messages.add_message(request, level, result.summary)
            return redirect(f"{reverse('billing:invoices')}?month={result.month:%Y-%m}")
    last_month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "billing/console/run.html",
        {"errors": errors, "entered": entered or f"{last_month:%Y-%m}"},
        status=400 if errors else 200,
    )


@operator_page()
def plans(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            plan = services.create_plan(
                code=data.get("code", ""),
                name=data.get("name", ""),
                annual_price_per_pupil=parse_amount(data.get("annual_price_per_pupil", "")),
                minimum_annual_charge=parse_amount(data.get("minimum_annual_charge", "")),
                by=request.user,
            )
        except BillingError as refused:
            errors = _errors(refused, "plan_")
        else:
            messages.success(request, f"Plan {plan.name} ({plan.code}) created.")
            return redirect("billing:plans")
    return render(
        request,
        "billing/console/plans.html",
        {"plans": list(selectors.plans()), "errors": errors, "entered": data},
        status=400 if errors else 200,
    )


def _school_or_404(slug: str) -> School:
    found = School.objects.select_related("trust").filter(slug=slug).first()
    if found is None:
        raise Http404("No such school")
    return found


def _school_page(request: HttpRequest, school: School, errors: dict, entered) -> HttpResponse:
    return render(
        request,
        "billing/console/school.html",
        {
            "school": school,
            "billing": selectors.school_billing(school),
            "errors": errors,
            "entered": entered,
        },
        status=400 if errors else 200,
    )


@operator_page()
def school(request: HttpRequest, slug: str) -> HttpResponse:
    """A school's billing: its plan and payer (POST changes them), the payer's billing
    contact, its invoices and its read-only state."""
    found = _school_or_404(slug)
    if request.method != "POST":
        return _school_page(request, found, {}, {})
    data = request.POST
    payer_before = selectors.current_payer(found)
    try:
        subscription = services.change_subscription(
            school=found,
            plan_code=data.get("plan", ""),
            payer=data.get("payer", ""),
            billing_email=data.get("billing_email", ""),
            by=request.user,
        )
    except BillingError as refused:
        return _school_page(request, found, _errors(refused, "billing_"), data)
    saved = f"Billing for {found.name} saved; it applies from the next run."
    if subscription.payer != payer_before:
        new_payer = found.trust.name if subscription.payer == "trust" else found.name
        saved += (
            " The payer changed, so no billing contact was changed: check "
            f"{new_payer}'s contact below and save it if it needs one."
        )
    messages.success(request, saved)
    return redirect("console:school", slug=found.slug)


@operator_page()
@require_POST
def lift_read_only(request: HttpRequest, slug: str) -> HttpResponse:
    found = _school_or_404(slug)
    try:
        dunning.lift_read_only(school=found, reason=request.POST.get("reason", ""), by=request.user)
    except BillingError as refused:
        return _school_page(request, found, _errors(refused, "lift_"), request.POST)
    messages.success(request, f"{found.name} has full access again.")
    return redirect("console:school", slug=found.slug)
