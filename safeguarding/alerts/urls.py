"""The inbox, on a school's host."""

from django.urls import path

from safeguarding.alerts import views

app_name = "alerts"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.mark_read, name="mark_read"),
]
