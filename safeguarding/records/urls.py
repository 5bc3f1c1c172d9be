"""Exports, on a school's host."""

from django.urls import path

from safeguarding.records import views

app_name = "records"

urlpatterns = [
    path("pupils/<int:pk>/export/", views.export_chronology, name="export_chronology"),
]
