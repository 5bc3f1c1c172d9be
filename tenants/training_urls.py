"""The safeguarding team's page for the school's training copy."""

from django.urls import path

from tenants import training_views

app_name = "training"

urlpatterns = [
    path("", training_views.training_page, name="training"),
]
