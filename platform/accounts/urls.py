from django.urls import path

from accounts import factor_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "set-password/<uidb64>/<token>/",
        views.ChoosePasswordView.as_view(),
        name="set_password",
    ),
    path("reset-password/", views.ResetPasswordView.as_view(), name="password_reset"),
    path("password/", views.ChangePasswordView.as_view(), name="password_change"),
    path("keep-alive/", views.keep_alive, name="keep_alive"),
    path("elevate/", factor_views.elevate, name="elevate"),
    path("factors/", factor_views.factor_list, name="factors"),
    path("factors/new/", factor_views.add_authenticator, name="add_authenticator"),
    path("factors/backup-codes/", factor_views.new_backup_codes, name="backup_codes"),
    path("factors/backup-codes/new/", factor_views.fresh_backup_codes, name="new_codes"),
    path("factors/keys/new/", factor_views.add_security_key, name="add_security_key"),
    # JSON for the security-key script (static/accounts/passkeys.js).
    path(
        "factors/keys/new/start/",
        factor_views.KeyRegistrationStart.as_view(),
        name="key_registration_start",
    ),
    path(
        "factors/keys/new/finish/",
        factor_views.KeyRegistrationFinish.as_view(),
        name="key_registration_finish",
    ),
    path(
        "elevate/key/start/",
        factor_views.KeyVerificationStart.as_view(),
        name="key_verification_start",
    ),
    path(
        "elevate/key/finish/",
        factor_views.KeyVerificationFinish.as_view(),
        name="key_verification_finish",
    ),
    path(
        "factors/<str:kind>/<int:pk>/remove/",
        factor_views.remove_factor,
        name="remove_factor",
    ),
]
