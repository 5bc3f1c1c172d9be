"""Subject access request pages: the school's list (with the setting for naming staff), a
new request for a pupil, a request's review page, its release and its download."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguarding import display
from safeguarding.errors import Invalid
from safeguarding.records import sar_services as services
from safeguarding.records.models import RecordsSettings, Requester
from safeguarding.records.sar_forms import STAFF_NAMES, new_choice, parse_sar
from safeguarding.records.sar_selectors import MARKS, school_requests
from safeguarding.web import attachment, school_view


@school_view
@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    """Every request of the school with its deadline, and how new ones name staff."""
    services.refuse_unless_may_handle_sar(viewer=request.viewer, request=request)
    return _list(request)


@school_view
@require_POST
def staff_naming(request: HttpRequest) -> HttpResponse:
    choice = parse_sar(request.POST)
    try:
        services.set_staff_naming(
            viewer=request.viewer, staff_as_initials=choice.staff_as_initials, request=request
        )
    except Invalid as invalid:
        return _list(request, errors=invalid.errors, status=400)
    messages.success(request, "Saved: new requests name staff this way unless you choose.")
    return redirect("sar:list")


@school_view
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the form; POST records a draft and goes to its review page. The pupil is
    in the address by number only."""
    viewer = request.viewer
    if request.method == "POST":
        choice = parse_sar(request.POST)
        try:
            sar = services.create_request(
                viewer=viewer, pupil_id=pk, choice=choice, request=request
            )
        except Invalid as invalid:
            errors = invalid.errors
        else:
            return redirect("sar:review", sar.pk)
        pupil = services.pupil_for_request(viewer=viewer, pupil_id=pk)
    else:
        pupil = services.pupil_for_request(viewer=viewer, pupil_id=pk, request=request)
        choice = new_choice(
            staff_as_initials=RecordsSettings.current().sar_staff_as_initials,
            today=timezone.localdate(),
        )
        errors = {}
    return render(
        request,
        "records/sar/new.html",
        {
            "pupil": pupil,
            "choice": choice,
            "errors": errors,
            "requesters": Requester.choices,
            "staff_names": STAFF_NAMES,
        },
        status=400 if errors else 200,
    )


@school_view
@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk)


@school_view
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    """Releases the reviewed file and downloads it; a second release downloads it again."""
    try:
        download = services.release_request(
            viewer=request.viewer,
            sar_id=pk,
            reviewed=request.POST.get("reviewed", ""),
            confirmed=request.POST.get("confirmed") == "on",
            school_name=request.school.name,
            request=request,
        )
    except Invalid as invalid:
        return _review(request, pk, errors=invalid.errors, status=400)
    return attachment(download)


@school_view
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment(services.download_released(viewer=request.viewer, sar_id=pk, request=request))


def _list(
    request: HttpRequest, *, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "records/sar/list.html",
        {
            "rows": school_requests(request.viewer),
            "staff_as_initials": RecordsSettings.current().sar_staff_as_initials,
            "staff_names": STAFF_NAMES,
            "errors": errors or {},
        },
        status=status,
    )


def _review(
    request: HttpRequest, pk: int, *, errors: dict[str, list[str]] | None = None, status=200
) -> HttpResponse:
    """The file is not shown while names are hidden on screen: the review is reading it."""
    hiding = display.hiding_names()
    review = services.open_request(
        viewer=request.viewer,
        sar_id=pk,
        school_name=request.school.name,
        show_file=not hiding,
        request=request,
    )
    return render(
        request,
        "records/sar/review.html",
        {
            "review": review,
            "sar": review.request,
            "file": review.file,
            "hiding": hiding,
            "marks": MARKS,
            "errors": errors or {},
        },
        status=status,
    )
