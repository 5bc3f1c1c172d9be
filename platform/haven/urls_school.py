"""URLs served on a school's own host, inside its schema."""

from django.urls import include, path

from safeguarding.concerns import views as concerns

urlpatterns = [
    path("", concerns.dashboard, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("safeguarding.urls")),
]
