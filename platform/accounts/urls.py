from django.contrib.auth.views import LogoutView
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path(
        "set-password/<uidb64>/<token>/",
        views.ChoosePasswordView.as_view(),
        name="set_password",
    ),
]
