"""The trust lead's pages on the platform host: the dashboard and its CSVs, verifying a
second factor, inviting fellow leads, the threshold, and API tokens. Thin: they parse, call
trusts.selectors, trusts.figures or trusts.services, and render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from knox.models import AuthToken

from accounts.errors import AccountError
from accounts.factor_views import verify_page
from haven.clients import same_host_target
from safeguarding.records.charts import Series, line_chart
from safeguarding.records.spreadsheet import rows_csv
from trusts import services
from trusts.access import trust_lead
from trusts.charts import figure_bars
from trusts.errors import BadFilter, TrustError
from trusts.figures import PANELS, Figures, Panel, trust_figures
from trusts.models import TrustLead
from trusts.selectors import PHASES, Filters, default_period, leads_of, parse_filters, schools_of

TREND_LINES = 5


@trust_lead()
def dashboard(request: HttpRequest, lead: TrustLead) -> HttpResponse:
    trust = lead.trust
    context: dict = {"trust": trust, "phases": PHASES, "schools": list(schools_of(trust))}
    try:
        filters = parse_filters(trust, request.GET)
    except BadFilter as error:
        first, last = default_period()
        context.update(
            errors={error.field: [error.message]},
            choice=_choice_from(request.GET, first, last),
        )
        return render(request, "trusts/dashboard.html", context, status=400)
    figures = trust_figures(trust, filters)
    context.update(
        figures=figures,
        choice=_choice(filters),
        query=urlencode(filters.query()),
        sections=[(panel, _chart(figures, panel)) for panel in figures.panels.values()],
    )
    return render(request, "trusts/dashboard.html", context)


@trust_lead()
def panel_csv(request: HttpRequest, lead: TrustLead, panel: str) -> HttpResponse:
    if panel not in PANELS:
        raise Http404("No such table")
    try:
        filters = parse_filters(lead.trust, request.GET)
    except BadFilter as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    table = trust_figures(lead.trust, filters).panels[panel]
    rows = [(table.row_heading, *table.headings)]
    rows += [(line.label, *(cell.display for cell in line.cells)) for line in table.lines]
    if table.totals is not None:
        rows.append((table.totals.label, *(cell.display for cell in table.totals.cells)))
    response = HttpResponse(rows_csv(rows), content_type="text/csv; charset=utf-8")
    name = f"{lead.trust.slug}-{panel}-{filters.first:%Y-%m}-to-{filters.last:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@trust_lead(verified=False)
def verify(request: HttpRequest, lead: TrustLead) -> HttpResponse:
    """Every trust lead needs a second factor: set one up, or verify it for this session."""
    next_url = same_host_target(
        request,
        request.POST.get("next") or request.GET.get("next"),
        default=reverse("trusts:dashboard"),
    )
    return verify_page(
        request, template="trusts/verify.html", next_url=next_url, refused_status=401
    )


@trust_lead()
def leads(request: HttpRequest, lead: TrustLead) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    entered = {"email": "", "full_name": ""}
    if request.method == "POST":
        entered = {k: request.POST.get(k, "").strip() for k in entered}
        try:
            invited = services.invite_trust_lead(
                trust=lead.trust,
                email=entered["email"],
                full_name=entered["full_name"],
                invited_by=request.user,
            )
        except (AccountError, TrustError) as error:
            errors[getattr(error, "field", "email")] = [error.message]
        else:
            messages.success(
                request, f"{invited.user.email} is invited: the email has a link to sign up."
            )
            return redirect("trusts:leads")
    return render(
        request,
        "trusts/leads.html",
        {"trust": lead.trust, "leads": leads_of(lead.trust), "errors": errors, "entered": entered},
        status=400 if errors else 200,
    )


@trust_lead()
def threshold(request: HttpRequest, lead: TrustLead) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    entered = str(lead.trust.suppression_threshold)
    if request.method == "POST":
        entered = request.POST.get("threshold", "")
        try:
            services.set_threshold(trust=lead.trust, threshold=entered, by=request.user)
        except TrustError as error:
            errors[error.field] = [error.message]
        else:
            messages.success(
                request,
                f"Counts below {lead.trust.suppression_threshold} are now shown as "
                f"\u201c<{lead.trust.suppression_threshold}\u201d.",
            )
            return redirect("trusts:threshold")
    return render(
        request,
        "trusts/threshold.html",
        {
            "trust": lead.trust,
            "errors": errors,
            "entered": entered,
            "minimum": services.MINIMUM_THRESHOLD,
            "highest": services.HIGHEST_THRESHOLD,
        },
        status=400 if errors else 200,
    )


@trust_lead()
def tokens(request: HttpRequest, lead: TrustLead) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        _instance, new_token = services.create_api_token(user=request.user)
    return render(
        request,
        "trusts/tokens.html",
        {
            "trust": lead.trust,
            "tokens": AuthToken.objects.filter(user=request.user).order_by("-created"),
            "new_token": new_token,
            "api_root": request.build_absolute_uri("/api/v1/trust/"),
        },
    )


@trust_lead()
@require_POST
def revoke_token(request: HttpRequest, lead: TrustLead, key: str) -> HttpResponse:
    if not services.revoke_api_token(user=request.user, token_key=key):
        raise Http404("No such token")
    messages.success(request, "The token is revoked: it no longer works.")
    return redirect("trusts:tokens")


def _choice(filters: Filters) -> dict[str, str]:
    return {
        "from": f"{filters.first:%Y-%m}",
        "to": f"{filters.last:%Y-%m}",
        "phase": filters.phase,
        "school": filters.school.slug if filters.school else "",
    }


def _choice_from(params, first, last) -> dict[str, str]:
    return {
        "from": params.get("from", f"{first:%Y-%m}")[:7],
        "to": params.get("to", f"{last:%Y-%m}")[:7],
        "phase": params.get("phase", "")[:20],
        "school": params.get("school", "")[:63],
    }


def _chart(figures: Figures, panel: Panel):
    """A chart of the panel's published figures, or None when there is nothing it could
    draw without showing a withheld number."""
    if panel.is_empty or not figures.has_data:
        return None
    labels = [line.label for line in panel.lines]
    if panel.slug == "trend":
        return _trend_chart(panel, labels)
    column = {"schools": -2, "actions": None, "first-action": 0}[panel.slug]
    if column is None:
        series = [
            (heading, [line.cells[n] for line in panel.lines])
            for n, heading in enumerate(panel.headings)
        ]
    else:
        series = [(panel.headings[column], [line.cells[column] for line in panel.lines])]
    return figure_bars(
        chart_id=f"chart-{panel.slug}",
        title=panel.title,
        description=f"{panel.title}, one bar per school labelled with its figure as in the "
        "table; a figure shown as \u201c<N\u201d or \u201c*\u201d has no bar.",
        labels=labels,
        series=series,
    )


def _trend_chart(panel: Panel, labels: list[str]):
    """Lines for the months' totals and the largest categories, only those whose every
    month is shown: a line cannot be drawn through a withheld month without guessing."""
    columns = [
        n
        for n in range(len(panel.headings))
        if all(line.cells[n].value is not None for line in panel.lines)
    ]
    total = len(panel.headings) - 1
    others = sorted(
        (n for n in columns if n != total),
        key=lambda n: -sum(line.cells[n].value for line in panel.lines),
    )
    chosen = ([total] if total in columns else []) + others[: TREND_LINES - 1]
    if not chosen:
        return None
    return line_chart(
        chart_id="chart-trend",
        title=panel.title,
        description="Incidents per month: all categories, and the largest categories whose "
        "every month can be shown. The table gives every category and month.",
        labels=labels,
        series=[
            Series(panel.headings[n], tuple(line.cells[n].value for line in panel.lines))
            for n in chosen
        ],
    )
