"""Settings pages for the school's administrators: staff and sign-in rules."""

from django.urls import path

from safeguarding.people import admin_views

app_name = "staff"

urlpatterns = [
    path("staff/", admin_views.staff_list, name="list"),
    path("staff/<int:pk>/", admin_views.staff_member, name="member"),
    path("security/", admin_views.security, name="security"),
]
