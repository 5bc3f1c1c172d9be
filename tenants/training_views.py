"""The safeguarding team's page for the school's training copy: see it, make it, reset it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from safeguarding.access import policy
from safeguarding.audit.models import AuditAction
from safeguarding.audit.services import record
from safeguarding.web import school_view
from tenants.errors import TenancyError
from tenants.services import school_url
from tenants.training import create_training_school, trainee_emails, training_copy_of


@never_cache  # the page after making a copy shows its password, once
@school_view
def training_page(request: HttpRequest) -> HttpResponse:
    if not policy.may_manage_school(request.viewer):
        raise Http404("No such page.")
    school = request.school
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = "Tick the box to confirm. Nothing was changed."
        else:
            try:
                made = create_training_school(school, reset=request.POST.get("command") == "reset")
            except TenancyError as refusal:
                error = refusal.message
            else:
                with school:  # in the real school's own log, whatever schema onboarding left
                    record(
                        action=AuditAction.TRAINING_SCHOOL_CREATED,
                        request=request,
                        detail={"reset": request.POST.get("command") == "reset"},
                    )
                return render(request, "tenants/training_made.html", {"made": made})
    copy = None if school.is_training else training_copy_of(school)
    context = {
        "real": school.training_of if school.is_training else None,
        "copy": copy,
        "copy_url": school_url(copy) if copy else "",
        "trainee_emails": trainee_emails(),
        "error": error,
    }
    return render(request, "tenants/training.html", context, status=400 if error else 200)
