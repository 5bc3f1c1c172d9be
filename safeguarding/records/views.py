"""The export page of a pupil's chronology: a form, then the file as a download."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from safeguarding.concerns.selectors import visible_pupil
from safeguarding.errors import Invalid
from safeguarding.records import services
from safeguarding.records.forms import FORMATS, ExportChoice, parse_export
from safeguarding.records.selectors import category_groups
from safeguarding.web import attachment, school_view


@school_view
@require_http_methods(["GET", "POST"])
def export_chronology(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the choices; POST builds the file. A POST keeps the choices out of the
    address, and the file is named by the pupil's id and the date, never their name."""
    viewer = request.viewer
    if request.method == "POST":
        choice = parse_export(request.POST)
        try:
            download = services.export_chronology(
                viewer=viewer,
                pupil_id=pk,
                choice=choice,
                school_name=request.school.name,
                request=request,
            )
        except Invalid as invalid:
            errors = invalid.errors
        else:
            return attachment(download)
    else:
        services.refuse_unless_may_export(viewer=viewer, pupil_id=pk, request=request)
        choice, errors = ExportChoice(), {}
    return render(
        request,
        "records/export.html",
        {
            "pupil": visible_pupil(viewer, pk),
            "choice": choice,
            "errors": errors,
            "formats": FORMATS,
            "category_groups": category_groups(viewer),
        },
        status=400 if errors else 200,
    )
