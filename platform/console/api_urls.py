from django.urls import path

from console import api

urlpatterns = [
    path("schools/", api.SchoolsApi.as_view(), name="api-schools"),
]
