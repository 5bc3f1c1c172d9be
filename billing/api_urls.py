"""Billing in the operator API, under /api/v1/ on the platform host."""

from django.urls import path

from billing import api

urlpatterns = [
    path("plans/", api.PlansApi.as_view(), name="api-plans"),
    path("invoices/", api.InvoicesApi.as_view(), name="api-invoices"),
    path("invoices/<str:number>/", api.InvoiceApi.as_view(), name="api-invoice"),
    path("invoices/<str:number>/pdf/", api.InvoicePdfApi.as_view(), name="api-invoice-pdf"),
    path("payments/", api.PaymentsApi.as_view(), name="api-payments"),
    path("credit-notes/", api.CreditNotesApi.as_view(), name="api-credit-notes"),
    path("billing-runs/", api.BillingRunsApi.as_view(), name="api-billing-runs"),
    path(
        "schools/<slug:slug>/subscription/",
        api.SubscriptionApi.as_view(),
        name="api-school-subscription",
    ),
    path(
        "schools/<slug:slug>/lift-read-only/",
        api.LiftReadOnlyApi.as_view(),
        name="api-school-lift-read-only",
    ),
]
