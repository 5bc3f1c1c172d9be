"""Sign in, sign out, choose a password from an invitation or reset link, change an expired
or known password, and keep an idle session alive."""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name

from accounts import sessions
from accounts.forms import (
    ChangePasswordForm,
    ChoosePasswordForm,
    EmailAuthenticationForm,
    ResetPasswordForm,
)
from accounts.signals import password_set
from haven.access import signed_in


class SignInView(auth_views.LoginView):
    haven_access = "public"
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        """Someone whose role needs a second factor goes to "Elevate my access" first;
        from there they may still carry on without it, to add incidents only."""
        url = super().get_success_url()
        if second_factor_wanted(self.request):
            return f"{reverse('accounts:elevate')}?{urlencode({'next': url})}"
        return url


def second_factor_wanted(request: HttpRequest) -> bool:
    if connection.schema_name == get_public_schema_name():
        return False
    from safeguarding.access.policy import viewer_for

    return viewer_for(request.user).held


class SignOutView(auth_views.LogoutView):
    haven_access = "public"


class ChoosePasswordView(auth_views.PasswordResetConfirmView):
    """The invitation link and the reset link: both one-time, both end here."""

    haven_access = "public"
    template_name = "accounts/set_password.html"
    form_class = ChoosePasswordForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        password_set.send(type(self), user=form.user, request=self.request, how="reset")
        messages.success(self.request, "Your password is set. You can now sign in.")
        return response


class ResetPasswordView(auth_views.PasswordResetView):
    """The same answer whether or not the address has an account here, so the page cannot
    be used to find out who works at a school."""

    haven_access = "public"
    template_name = "accounts/reset_password.html"
    form_class = ResetPasswordForm
    email_template_name = "accounts/email/reset_password.txt"
    subject_template_name = "accounts/email/reset_password_subject.txt"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        # The link names the address Haven is configured with, never the Host header sent.
        school = getattr(self.request, "school", None)
        config = settings.CONFIG
        address = urlsplit(config.school_url(school.slug) if school else config.platform_url)
        self.extra_email_context = {"protocol": address.scheme, "domain": address.netloc}
        response = super().form_valid(form)
        messages.success(
            self.request,
            "If that address has an account here, an email with a link to choose a new "
            "password is on its way. The link works once, for three days.",
        )
        return response


@method_decorator(signed_in, name="dispatch")
class ChangePasswordView(auth_views.PasswordChangeView):
    haven_access = "signed in"
    template_name = "accounts/change_password.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps the session, with a new id
        self.request.session[sessions.MUST_CHANGE_PASSWORD] = False
        password_set.send(type(self), user=form.user, request=self.request, how="changed")
        messages.success(self.request, "Your password is changed.")
        return response


@signed_in
@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """The idle warning's "Stay signed in": it counts as activity."""
    sessions.touch(request.session, time.time(), force=True)
    return HttpResponse(status=204)
