"""The safeguarding team's alert settings, under /settings/alerts/ on a school's host."""

from django.urls import path

from safeguarding.alerts import settings_views

app_name = "alert_settings"

urlpatterns = [
    path("rota/", settings_views.rota_page, name="rota"),
    path("rota/slots/<int:pk>/delete/", settings_views.remove_slot, name="remove_slot"),
    path("rota/covers/<int:pk>/delete/", settings_views.remove_cover, name="remove_cover"),
    path("rota/closures/<int:pk>/delete/", settings_views.remove_closure, name="remove_closure"),
    path("rules/", settings_views.rules_page, name="rules"),
    path("rules/new/", settings_views.new_rule, name="new_rule"),
    path("rules/<int:pk>/", settings_views.edit_rule, name="rule"),
    path("rules/<int:pk>/delete/", settings_views.delete_rule, name="delete_rule"),
]
