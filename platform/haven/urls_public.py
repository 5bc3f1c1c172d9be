"""URLs served on the platform host (the base domain), in the public schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from haven import views

urlpatterns = [
    path("", views.platform_home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("console.api_urls")),
    path("api/v1/", include("trusts.api_urls")),
    path("api/v1/", include("billing.api_urls")),
    # The platform's API (operators and trusts), described from this host's routes only.
    path(
        "api/schema/",
        SpectacularAPIView.as_view(
            urlconf="haven.urls_public",
            custom_settings={
                "TITLE": "Haven platform API",
                "DESCRIPTION": "On the platform host: operators onboard schools and run "
                "billing; trust leads read their trust's figures, suppressed as on their "
                "dashboard.",
            },
        ),
        name="api-schema",
    ),
    path("trust/", include("trusts.urls")),
    path("console/billing/", include("billing.urls")),
    path("console/", include("console.urls")),
]
