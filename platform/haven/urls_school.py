"""URLs served on a school's own host, inside its schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from safeguarding.concerns import views as concerns

urlpatterns = [
    path("", concerns.dashboard, name="home"),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("safeguarding.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("settings/", include("safeguarding.people.admin_urls")),
    path("settings/audit/", include("safeguarding.audit.urls")),
    path("settings/training/", include("tenants.training_urls")),
    path("settings/alerts/", include("safeguarding.alerts.settings_urls")),
    path("", include("safeguarding.alerts.urls")),
    path("", include("safeguarding.records.urls")),
    path("", include("safeguarding.records.sar_urls")),
    path("reports/", include("safeguarding.records.report_urls")),
    path("transfers/", include("safeguarding.transfers.urls")),
    path("", include("safeguarding.retention.urls")),
    path("", include("safeguarding.urls")),
]
