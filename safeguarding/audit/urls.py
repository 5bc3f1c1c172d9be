"""The audit pages of a school's safeguarding team."""

from django.urls import path

from safeguarding.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_log, name="log"),
    path("pupils/<int:pk>/", views.pupil_trail, name="pupil"),
]
