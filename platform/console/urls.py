from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", views.verify, name="verify"),
    path("audit/", views.audit, name="audit"),
    path("schools/<slug:slug>/", views.school, name="school"),
]
