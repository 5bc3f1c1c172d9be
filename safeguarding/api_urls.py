"""The school API, on a school's own host."""

from django.urls import path

from safeguarding import api

urlpatterns = [
    path("pupils/", api.PupilsApi.as_view(), name="api-pupils"),
    path("pupils/search/", api.PupilSearchApi.as_view(), name="api-pupil-search"),
    path("pupils/<int:pk>/", api.PupilApi.as_view(), name="api-pupil"),
    path("pupils/<int:pk>/chronology/", api.ChronologyApi.as_view(), name="api-chronology"),
    path("groups/", api.GroupsApi.as_view(), name="api-groups"),
    path("categories/", api.CategoriesApi.as_view(), name="api-categories"),
    path("incidents/", api.IncidentsApi.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", api.IncidentApi.as_view(), name="api-incident"),
    path("incidents/<int:pk>/actions/", api.ActionsApi.as_view(), name="api-actions"),
    path("files/<int:pk>/", api.FileApi.as_view(), name="api-file"),
]
