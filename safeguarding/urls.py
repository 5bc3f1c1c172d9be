"""A school's pages, on its own host."""

from django.urls import path

from safeguarding.concerns import views as concerns
from safeguarding.people import views as people

app_name = "concerns"

urlpatterns = [
    path("incidents/new/", concerns.add_incident, name="add_incident"),
    path("incidents/<int:pk>/", concerns.incident_page, name="incident"),
    path("incidents/<int:pk>/actions/new/", concerns.add_action, name="add_action"),
    path("incidents/<int:pk>/change/", concerns.change_incident, name="change"),
    path("actions/<int:pk>/complete/", concerns.complete_action, name="complete_action"),
    path("files/<int:pk>/", concerns.download, name="download"),
    path("settings/categories/", concerns.categories_admin, name="categories"),
    path(
        "settings/categories/<int:pk>/delete/",
        concerns.delete_category_confirm,
        name="delete_category",
    ),
    path("pupils/", people.pupils, name="pupils"),
    path("pupils/<int:pk>/", people.pupil_page, name="pupil"),
    path("names/", people.toggle_names, name="toggle_names"),
    path("pick/pupils/", people.find_pupils, name="find_pupils"),
    path("pick/pupil/", people.chosen_pupil, name="chosen_pupil"),
    path("pick/link/", people.link_row, name="link_row"),
    path("pick/staff/", people.find_staff, name="find_staff"),
    path("pick/alert/", people.alert_chip, name="alert_chip"),
]
