"""Retention pages, on a school's host: the review list and its settings, a review's
confirmation, and legal holds (placed from the pupil's page)."""

from django.urls import path

from safeguarding.retention import views

app_name = "retention"

urlpatterns = [
    path("retention/", views.overview, name="overview"),
    path("retention/settings/", views.rule, name="rule"),
    path("retention/check/", views.check_now, name="check_now"),
    path("retention/reviews/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("retention/reviews/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("retention/reviews/<int:pk>/keep/", views.keep, name="keep"),
    path("retention/holds/<int:pk>/release/", views.release_hold, name="release_hold"),
    path("pupils/<int:pk>/legal-hold/", views.legal_hold, name="legal_hold"),
]
