"""URLs served on a school's own host, inside its schema."""

from django.urls import include, path

from haven import views

urlpatterns = [
    path("", views.school_home, name="home"),
    path("accounts/", include("accounts.urls")),
]
