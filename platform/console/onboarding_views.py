"""The console's onboarding pages: one school, a trust's schools from a CSV file with its
progress, and a new trust. Thin: they parse, call console.onboarding and render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from console import onboarding, selectors
from console.access import operator_page
from console.models import BulkOnboarding
from haven.clients import same_host_target
from safeguarding.setup import DEFAULT_TEMPLATE, TEMPLATE_NAMES
from tenants.errors import TenancyError

SCHOOL_FIELDS = ("name", "slug", "trust", "template", "plan", "admin_email")


@operator_page()
def onboard_school(request: HttpRequest) -> HttpResponse:
    plans = onboarding.plans_by_code()
    default_plan = next((code for code, plan in plans.items() if plan.is_default), "")
    entered = {name: "" for name in SCHOOL_FIELDS}
    entered.update(trust=request.GET.get("trust", ""), template=DEFAULT_TEMPLATE, plan=default_plan)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        entered = {name: request.POST.get(name, "").strip() for name in SCHOOL_FIELDS}
        try:
            done = onboarding.onboard(by=request.user, **entered)
        except onboarding.DetailsRefused as error:
            errors = error.problems
        except TenancyError as error:
            errors = {error.field: [error.message]}
        else:
            messages.success(
                request,
                f"{done.school.name} is live at {done.url} and on the "
                f"{done.subscription.plan.name} plan. Its first DSL, "
                f"{entered['admin_email'].lower()}, has been emailed an invitation to choose "
                "a password.",
            )
            return redirect("console:school", slug=done.school.slug)
    return render(
        request,
        "console/onboard.html",
        {
            "entered": entered,
            "errors": errors,
            "trusts": list(selectors.trusts()),
            "templates": TEMPLATE_NAMES,
            "plans": list(plans.values()),
            "base_domain": settings.HAVEN_BASE_DOMAIN,
        },
        status=400 if errors else 200,
    )


@operator_page()
def bulk(request: HttpRequest) -> HttpResponse:
    """Upload a trust's CSV: checked in full, then queued; or every problem, and nothing made."""
    errors: dict[str, list[str]] = {}
    checked = None
    chosen_trust = request.GET.get("trust", "")
    if request.method == "POST":
        chosen_trust = request.POST.get("trust", "").strip()
        upload = request.FILES.get("file")
        if upload is None:
            errors["file"] = ["Choose the CSV file of the trust's schools."]
        elif upload.size > onboarding.MAX_BYTES:
            errors["file"] = [
                f"The file is {upload.size // 1024} KB; the most Haven reads is "
                f"{onboarding.MAX_BYTES // 1024} KB ({onboarding.MAX_ROWS} schools). Split it."
            ]
        else:
            try:
                job = onboarding.start_bulk_onboarding(
                    by=request.user,
                    trust=chosen_trust,
                    data=upload.read(onboarding.MAX_BYTES + 1),
                    file_name=upload.name or "",
                )
            except onboarding.BulkFileRefused as error:
                errors["file"] = [error.message]
                checked = error.checked
            except TenancyError as error:
                errors[error.field] = [error.message]
            else:
                messages.success(
                    request,
                    f"All {job.rows.count()} rows are fine: the schools of {job.trust.name} "
                    "are being onboarded, one after another.",
                )
                return redirect("console:bulk_job", job_id=job.pk)
    return render(
        request,
        "console/bulk.html",
        {
            "errors": errors,
            "checked": checked,
            "chosen_trust": chosen_trust,
            "trusts": list(selectors.trusts()),
            "jobs": list(onboarding.bulk_onboardings()),
            "columns": onboarding.COLUMNS,
            "templates": TEMPLATE_NAMES,
            "plans": list(onboarding.plans_by_code().values()),
            "max_rows": onboarding.MAX_ROWS,
        },
        status=400 if errors else 200,
    )


@operator_page()
def bulk_job(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "console/bulk_job.html", _job_context(job_id))


@operator_page()
def bulk_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The part of a bulk onboarding's page that htmx polls while it runs. The status line
    (a live region) is sent only when it has changed, so a screen reader announces each
    change once rather than every second."""
    context = _job_context(job_id)
    context["status_changed"] = request.GET.get("seen") != context["seen"]
    return render(request, "console/_bulk_progress.html", context)


@operator_page()
@require_POST
def bulk_queue_again(request: HttpRequest, job_id: int) -> HttpResponse:
    """Send a job still waiting for a worker (its first sending was lost) once more."""
    job = onboarding.bulk_onboarding(job_id)
    if job is None:
        raise Http404("No such bulk onboarding")
    if job.status == BulkOnboarding.Status.FINISHED:
        messages.info(request, "That bulk onboarding has already finished.")
    elif onboarding.queue_bulk_onboarding(job):
        messages.success(request, "Sent to the workers again.")
    else:
        messages.error(
            request,
            "The task queue cannot be reached: check that Redis is running, then try again.",
        )
    return redirect("console:bulk_job", job_id=job.pk)


@operator_page()
def create_trust(request: HttpRequest) -> HttpResponse:
    entered = {"name": "", "slug": ""}
    errors: dict[str, list[str]] = {}
    next_url = same_host_target(
        request, request.POST.get("next") or request.GET.get("next"), default=""
    )
    if request.method == "POST":
        entered = {name: request.POST.get(name, "").strip() for name in entered}
        try:
            trust = onboarding.create_trust(by=request.user, **entered)
        except TenancyError as error:
            errors[error.field] = [error.message]
        else:
            messages.success(request, f"{trust.name} is created. Now onboard its schools.")
            target = next_url or reverse("console:bulk")
            separator = "&" if "?" in target else "?"
            return redirect(f"{target}{separator}trust={trust.slug}")
    return render(
        request,
        "console/onboard_trust.html",
        {"entered": entered, "errors": errors, "next": next_url},
        status=400 if errors else 200,
    )


def _job_context(job_id: int) -> dict:
    job = onboarding.bulk_onboarding(job_id)
    if job is None:
        raise Http404("No such bulk onboarding")
    progress = onboarding.progress_of(job)
    return {
        "job": job,
        "progress": progress,
        "seen": f"{progress.done}-{job.status}",
        "rows": list(onboarding.rows_of(job)),
        "running": job.status in (BulkOnboarding.Status.QUEUED, BulkOnboarding.Status.RUNNING),
    }
