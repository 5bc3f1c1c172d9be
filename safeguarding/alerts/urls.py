"""The inbox and the DSL desk, on a school's host."""

from django.urls import path

from safeguarding.alerts import views

app_name = "alerts"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("inbox/digest/", views.daily_digest, name="daily_digest"),
    path("dsl/", views.desk, name="desk"),
    path("dsl/deliveries/<int:pk>/retry/", views.retry_delivery, name="retry_delivery"),
]
