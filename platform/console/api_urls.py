from django.urls import path

from console import api, lifecycle_api

urlpatterns = [
    path("schools/", api.SchoolsApi.as_view(), name="api-schools"),
    path("trusts/", api.TrustsApi.as_view(), name="api-trusts"),
    path("bulk-onboardings/", api.BulkOnboardingsApi.as_view(), name="api-bulk-onboardings"),
    path(
        "bulk-onboardings/<int:job_id>/",
        api.BulkOnboardingApi.as_view(),
        name="api-bulk-onboarding",
    ),
    path("schools/<slug:slug>/suspend/", lifecycle_api.SuspendApi.as_view(), name="api-suspend"),
    path(
        "schools/<slug:slug>/reactivate/",
        lifecycle_api.ReactivateApi.as_view(),
        name="api-reactivate",
    ),
    path(
        "schools/<slug:slug>/offboarding/",
        lifecycle_api.OffboardingApi.as_view(),
        name="api-offboarding",
    ),
    path(
        "schools/<slug:slug>/offboarding/cancel/",
        lifecycle_api.CancelOffboardingApi.as_view(),
        name="api-offboarding-cancel",
    ),
    path(
        "schools/<slug:slug>/offboarding/export/",
        lifecycle_api.RetryExportApi.as_view(),
        name="api-offboarding-export",
    ),
    path(
        "schools/<slug:slug>/offboarding/confirm/",
        lifecycle_api.ConfirmRemovalApi.as_view(),
        name="api-offboarding-confirm",
    ),
]
