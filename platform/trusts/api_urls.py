from django.urls import path

from trusts import api

urlpatterns = [
    path("trust/schools/", api.SchoolsApi.as_view(), name="api-trust-schools"),
    path("trust/figures/<slug:panel>/", api.FiguresApi.as_view(), name="api-trust-figures"),
    path("trusts/<slug:slug>/leads/", api.TrustLeadsApi.as_view(), name="api-trust-leads"),
    path(
        "trusts/<slug:slug>/threshold/",
        api.TrustThresholdApi.as_view(),
        name="api-trust-threshold",
    ),
]
