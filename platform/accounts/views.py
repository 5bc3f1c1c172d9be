"""Sign in, sign out, and claim an account from an invitation link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from accounts.forms import ChoosePasswordForm, EmailAuthenticationForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class ChoosePasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/set_password.html"
    form_class = ChoosePasswordForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. You can now sign in.")
        return response
