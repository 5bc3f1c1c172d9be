from django.urls import path

from console import lifecycle_views, onboarding_views, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", views.verify, name="verify"),
    path("audit/", views.audit, name="audit"),
    path("schools/<slug:slug>/", views.school, name="school"),
    path("schools/<slug:slug>/suspend/", lifecycle_views.suspend, name="suspend"),
    path("schools/<slug:slug>/reactivate/", lifecycle_views.reactivate, name="reactivate"),
    path("schools/<slug:slug>/offboard/", lifecycle_views.offboard, name="offboard"),
    path(
        "schools/<slug:slug>/offboarding/",
        lifecycle_views.school_offboarding,
        name="school_offboarding",
    ),
    path("offboardings/", lifecycle_views.offboardings, name="offboardings"),
    path("offboardings/<int:pk>/", lifecycle_views.offboarding, name="offboarding"),
    path(
        "offboardings/<int:pk>/panel/",
        lifecycle_views.offboarding_panel,
        name="offboarding_panel",
    ),
    path("offboardings/<int:pk>/export/", lifecycle_views.download_export, name="download_export"),
    path("offboardings/<int:pk>/retry/", lifecycle_views.retry_export, name="retry_export"),
    path("offboardings/<int:pk>/cancel/", lifecycle_views.cancel, name="cancel_offboarding"),
    path("offboardings/<int:pk>/remove/", lifecycle_views.remove, name="confirm_removal"),
    path("onboard/", onboarding_views.onboard_school, name="onboard"),
    path("bulk/", onboarding_views.bulk, name="bulk"),
    path("bulk/<int:job_id>/", onboarding_views.bulk_job, name="bulk_job"),
    path("bulk/<int:job_id>/progress/", onboarding_views.bulk_progress, name="bulk_progress"),
    path("bulk/<int:job_id>/queue/", onboarding_views.bulk_queue_again, name="bulk_queue"),
    path("trusts/new/", onboarding_views.create_trust, name="create_trust"),
]
