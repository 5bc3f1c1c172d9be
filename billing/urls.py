"""Billing's console pages, under /console/billing/ on the platform host."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.invoices, name="invoices"),
    path("run/", views.run, name="run"),
    path("plans/", views.plans, name="plans"),
    path("invoices/<str:number>/", views.invoice, name="invoice"),
    path("invoices/<str:number>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<str:number>/payments/", views.record_payment, name="record_payment"),
    path("invoices/<str:number>/credit-notes/", views.credit_note, name="credit_note"),
    path("schools/<slug:slug>/", views.school, name="school"),
    path("schools/<slug:slug>/lift-read-only/", views.lift_read_only, name="lift_read_only"),
]
