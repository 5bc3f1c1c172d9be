"""URLs served on the platform host (the base domain), in the public schema."""

from django.urls import include, path

from haven import views

urlpatterns = [
    path("", views.platform_home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("console.api_urls")),
]
