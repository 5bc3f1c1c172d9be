"""Subject access requests, on a school's host: pupils and requests by number only."""

from django.urls import path

from safeguarding.records import sar_views

app_name = "sar"

urlpatterns = [
    path("subject-access-requests/", sar_views.requests, name="list"),
    path("subject-access-requests/staff-names/", sar_views.staff_naming, name="staff_naming"),
    path("pupils/<int:pk>/subject-access-request/", sar_views.new_request, name="new"),
    path("subject-access-requests/<int:pk>/", sar_views.review, name="review"),
    path("subject-access-requests/<int:pk>/release/", sar_views.release, name="release"),
    path("subject-access-requests/<int:pk>/download/", sar_views.download, name="download"),
]
