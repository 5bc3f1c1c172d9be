"""Billing in the operator API (/api/v1/ on the platform host): the console's operations,
for operators' scripts. Money is a string of pounds and pence ("12.50"). Thin adapters over
billing.services, billing.payments and billing.dunning; a refusal is a 400 naming the
field, with nothing written."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from billing import dunning, payments, selectors, services
from billing.errors import BillingError
from billing.models import Invoice, Plan, Subscription
from billing.pdf import invoice_pdf
from console.api import OperatorApiView
from tenants.models import School

MONEY = {"max_digits": 12, "decimal_places": 2}
ERROR = OpenApiResponse(description='{"<field>": ["message"]}: refused, nothing written')


def _refusal(refused: BillingError) -> Response:
    return Response({refused.field: [refused.message]}, status=status.HTTP_400_BAD_REQUEST)


class PlanOutput(serializers.ModelSerializer):
    schools = serializers.IntegerField(read_only=True, help_text="Schools on the plan")

    class Meta:
        model = Plan
        fields = [
            "code", "name", "annual_price_per_pupil", "minimum_annual_charge", "is_default",
            "schools",
        ]  # fmt: skip


class LineOutput(serializers.Serializer):
    school = serializers.CharField(source="school.slug")
    description = serializers.CharField()
    pupils = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class PaymentOutput(serializers.Serializer):
    invoice = serializers.CharField(source="invoice.number")
    amount = serializers.DecimalField(**MONEY)
    received_on = serializers.DateField()
    method = serializers.CharField()
    reference = serializers.CharField()
    recorded_by = serializers.CharField()


class CreditNoteOutput(serializers.Serializer):
    number = serializers.CharField()
    invoice = serializers.CharField(source="invoice.number")
    amount = serializers.DecimalField(**MONEY)
    reason = serializers.CharField()
    issued_on = serializers.DateField()


class NoticeOutput(serializers.Serializer):
    kind = serializers.CharField()
    days_overdue = serializers.IntegerField()
    on = serializers.DateField()
    emailed = serializers.SerializerMethodField()

    def get_emailed(self, notice) -> bool:
        return notice.sent_at is not None


class InvoiceOutput(serializers.Serializer):
    number = serializers.CharField()
    payer = serializers.SerializerMethodField(help_text='"school" or "trust"')
    payer_slug = serializers.SerializerMethodField()
    customer_name = serializers.CharField()
    month = serializers.SerializerMethodField(help_text="YYYY-MM")
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    net = serializers.DecimalField(**MONEY)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    vat = serializers.DecimalField(**MONEY)
    gross = serializers.DecimalField(**MONEY)
    credited = serializers.DecimalField(source="credited_total", **MONEY)
    paid = serializers.DecimalField(source="paid_total", **MONEY)
    owed = serializers.DecimalField(**MONEY)
    status = serializers.CharField()
    overdue = serializers.BooleanField(source="is_overdue")

    def get_payer(self, invoice) -> str:
        return "school" if invoice.school_id else "trust"

    def get_payer_slug(self, invoice) -> str:
        return (invoice.school or invoice.trust).slug

    def get_month(self, invoice) -> str:
        return f"{invoice.month:%Y-%m}"


class InvoiceDetailOutput(InvoiceOutput):
    lines = LineOutput(many=True, source="lines.all")
    payments = PaymentOutput(many=True, source="payments.all")
    credit_notes = CreditNoteOutput(many=True, source="credit_notes.all")
    dunning = NoticeOutput(many=True, source="dunning_notices.all")


def _invoice(number: str) -> Invoice:
    found = selectors.invoice_by_number(number)
    if found is None:
        raise Http404("No such invoice")
    return found


class PlansApi(OperatorApiView):
    class PlanIn(serializers.Serializer):
        code = serializers.CharField(max_length=40)
        name = serializers.CharField(max_length=100)
        annual_price_per_pupil = serializers.DecimalField(**MONEY, min_value=0)
        minimum_annual_charge = serializers.DecimalField(**MONEY, min_value=0)

    @extend_schema(summary="Plans, with how many schools each has", responses=PlanOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(PlanOutput(selectors.plans(), many=True).data)

    @extend_schema(
        summary="Create a plan (prices are data: a new price is a new plan)",
        request=PlanIn,
        responses={201: PlanOutput, 400: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = self.PlanIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            plan = services.create_plan(**data.validated_data, by=request.user)
        except BillingError as refused:
            return _refusal(refused)
        return Response(
            PlanOutput(selectors.plans().get(pk=plan.pk)).data, status=status.HTTP_201_CREATED
        )


class InvoicesApi(OperatorApiView):
    @extend_schema(
        summary="Invoices, newest first",
        parameters=[
            OpenApiParameter("month", str, description="The month billed, YYYY-MM"),
            OpenApiParameter(
                "status",
                str,
                description="One of "
                + ", ".join(value for value, _ in selectors.STATUSES)
                + " (overdue: issued and past its due date)",
            ),
        ],
        responses={200: InvoiceOutput(many=True), 400: ERROR},
    )
    def get(self, request: Request) -> Response:
        filters = selectors.InvoiceFilters.from_query(request.query_params)
        if filters.errors:
            return Response(filters.errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(InvoiceOutput(selectors.invoices(filters), many=True).data)


class InvoiceApi(OperatorApiView):
    @extend_schema(summary="One invoice with its lines, payments, credit notes and dunning",
                   responses=InvoiceDetailOutput)  # fmt: skip
    def get(self, request: Request, number: str) -> Response:
        return Response(InvoiceDetailOutput(_invoice(number)).data)


class InvoicePdfApi(OperatorApiView):
    @extend_schema(
        summary="The invoice as PDF",
        responses={(200, "application/pdf"): OpenApiResponse(description="The PDF")},
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        found = _invoice(number)
        response = HttpResponse(invoice_pdf(found), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{found.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class PaymentsApi(OperatorApiView):
    class PaymentIn(serializers.Serializer):
        invoice = serializers.CharField(max_length=20)
        amount = serializers.DecimalField(**MONEY)
        received_on = serializers.DateField()
        reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
        provider = serializers.CharField(max_length=20, default="bank_transfer")

    @extend_schema(
        summary="Payments received, newest first",
        parameters=[
            OpenApiParameter("invoice", str, description="Only this invoice's, such as INV-000123")
        ],
        responses=PaymentOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        found = selectors.payments(invoice_number=request.query_params.get("invoice", ""))
        return Response(PaymentOutput(found, many=True).data)

    @extend_schema(
        summary="Record money received against an invoice",
        description="Never more than is still owed: an overpayment is a 400. `provider` is "
        "one whose payments operators record: "
        + ", ".join(p.name for p in payments.operator_providers())
        + ".",
        request=PaymentIn,
        responses={201: PaymentOutput, 400: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = self.PaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        try:
            payment = payments.record_payment(
                provider_name=given["provider"],
                invoice_number=given["invoice"],
                amount=given["amount"],
                received_on=given["received_on"],
                reference=given.get("reference", ""),
                by=request.user,
            )
        except BillingError as refused:
            return _refusal(refused)
        return Response(PaymentOutput(payment).data, status=status.HTTP_201_CREATED)


class CreditNotesApi(OperatorApiView):
    class CreditNoteIn(serializers.Serializer):
        invoice = serializers.CharField(max_length=20)
        amount = serializers.DecimalField(**MONEY)
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        summary="Credit notes, newest first",
        parameters=[
            OpenApiParameter("invoice", str, description="Only this invoice's, such as INV-000123")
        ],
        responses=CreditNoteOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        found = selectors.credit_notes(invoice_number=request.query_params.get("invoice", ""))
        return Response(CreditNoteOutput(found, many=True).data)

    @extend_schema(
        summary="Issue a credit note against an invoice",
        description="Never for more than is left of the invoice: a larger one is a 400.",
        request=CreditNoteIn,
        responses={201: CreditNoteOutput, 400: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = self.CreditNoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        try:
            note = services.issue_credit_note(
                invoice_number=given["invoice"], amount=given["amount"],
                reason=given["reason"], by=request.user,
            )  # fmt: skip
        except BillingError as refused:
            return _refusal(refused)
        return Response(CreditNoteOutput(note).data, status=status.HTTP_201_CREATED)


class BillingRunsApi(OperatorApiView):
    class BillingRunIn(serializers.Serializer):
        month = serializers.CharField(max_length=7, help_text="YYYY-MM")

    class BillingRunOut(serializers.Serializer):
        month = serializers.CharField()
        issued = serializers.ListField(child=serializers.CharField(), help_text="Numbers")
        already_invoiced = serializers.IntegerField()
        snapshots_taken = serializers.IntegerField()
        message = serializers.CharField()

    class BilledMonthOut(serializers.Serializer):
        month = serializers.DateField(format="%Y-%m")
        invoices = serializers.IntegerField()
        gross = serializers.DecimalField(**MONEY)

    @extend_schema(
        summary="The months billed so far, with their invoices' count and total",
        responses=BilledMonthOut(many=True),
    )
    def get(self, request: Request) -> Response:
        return Response(self.BilledMonthOut(selectors.billed_months(), many=True).data)

    @extend_schema(
        summary="Bill a month: snapshot rolls, issue each payer's invoice",
        description="Idempotent: a repeat for the same month is a 200 with nothing issued "
        "and says so; 201 when something was issued.",
        request=BillingRunIn,
        responses={201: BillingRunOut, 200: BillingRunOut, 400: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = self.BillingRunIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.billing_run(month=data.validated_data["month"], by=request.user)
        except BillingError as refused:
            return _refusal(refused)
        body = {
            "month": f"{result.month:%Y-%m}",
            "issued": result.invoices_issued,
            "already_invoiced": result.already_invoiced,
            "snapshots_taken": result.snapshots_taken,
            "message": result.summary,
        }
        return Response(
            self.BillingRunOut(body).data,
            status=status.HTTP_201_CREATED if result.invoices_issued else status.HTTP_200_OK,
        )


class SubscriptionApi(OperatorApiView):
    class SubscriptionIn(serializers.Serializer):
        plan = serializers.CharField(max_length=40, help_text="A plan's code")
        payer = serializers.ChoiceField(choices=Subscription.Payer.choices)
        billing_email = serializers.CharField(
            max_length=254, required=False, allow_blank=True,
            help_text="Where the payer's reminders go (the trust's contact when the trust "
            'pays); "" removes it; left out, unchanged. Applied only when the payer stays '
            "the same: a request that changes the payer changes no contact.",
        )  # fmt: skip

    class SubscriptionOut(serializers.Serializer):
        school = serializers.CharField(source="school.slug")
        plan = serializers.CharField(source="plan.code")
        payer = serializers.CharField()

    @extend_schema(
        summary="A school's plan and who pays, from the next billing run",
        request=SubscriptionIn,
        responses={200: SubscriptionOut, 400: ERROR},
    )
    def put(self, request: Request, slug: str) -> Response:
        school = get_object_or_404(School.objects.select_related("trust"), slug=slug)
        data = self.SubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        try:
            subscription = services.change_subscription(
                school=school, plan_code=given["plan"], payer=given["payer"],
                billing_email=given.get("billing_email"), by=request.user,
            )  # fmt: skip
        except BillingError as refused:
            return _refusal(refused)
        return Response(self.SubscriptionOut(subscription).data)


class LiftReadOnlyApi(OperatorApiView):
    class LiftReadOnlyIn(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        summary="Give a school held read-only by an overdue invoice full access again",
        request=LiftReadOnlyIn,
        responses={
            200: OpenApiResponse(description='{"school": slug, "read_only": false}'),
            400: ERROR,
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        school = get_object_or_404(School, slug=slug)
        data = self.LiftReadOnlyIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            dunning.lift_read_only(school=school, reason=data.validated_data["reason"],
                                   by=request.user)  # fmt: skip
        except BillingError as refused:
            return _refusal(refused)
        return Response({"school": school.slug, "read_only": False})
