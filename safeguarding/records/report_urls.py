"""The school's reports, on its own host."""

from django.urls import path

from safeguarding.records import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.reports_page, name="dashboard"),
    path("governors.pdf", report_views.governors_pdf, name="governors"),
    path("<slug:slug>.csv", report_views.report_csv, name="csv"),
]
