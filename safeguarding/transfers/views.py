"""Record transfer pages: the school's transfers, sending a pupil's file (checked, then
confirmed), a sent transfer (resend, withdraw, the bundle), a transfer sent here (accept,
reject), the transferred file as read here, and the public receipt link for a school not on
Haven."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.access import public
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.errors import Invalid, NotFound
from safeguarding.records.services import Download
from safeguarding.transfers import selectors, services
from safeguarding.transfers.forms import new_choice, parse_transfer
from safeguarding.web import school_view


@school_view
@require_GET
def transfers(request: HttpRequest) -> HttpResponse:
    services.refuse_unless_may_handle(viewer=request.viewer, request=request)
    outgoing, incoming = selectors.school_transfers(request.viewer)
    return render(request, "transfers/list.html", {"outgoing": outgoing, "incoming": incoming})


@school_view
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the form. POST checks it and answers with a page naming the child and the
    school, to confirm (step "send") or change (step "change"); only the confirmed POST
    sends. Off the platform the answer is then the page showing the bundle's passphrase,
    once: it is in no address and nowhere stored."""
    viewer = request.viewer
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        choice = parse_transfer(request.POST)
        step = request.POST.get("step", "")
        try:
            if step == SEND:
                sent = services.send_transfer(
                    viewer=viewer, pupil_id=pk, choice=choice, request=request
                )
                if sent.passphrase:
                    return _passphrase_page(request, sent)
                messages.success(
                    request, f"Sent to {sent.transfer.destination}: its DSLs have been alerted."
                )
                return redirect("transfers:outgoing", sent.transfer.pk)
            if step != CHANGE:
                checked = services.check_transfer(
                    viewer=viewer, pupil_id=pk, choice=choice, request=request
                )
                return render(
                    request, "transfers/send_confirm.html", {"checked": checked, "choice": choice}
                )
        except Invalid as invalid:
            errors = invalid.errors
        pupil = services.pupil_to_send(viewer=viewer, pupil_id=pk)
    else:
        pupil = services.pupil_to_send(viewer=viewer, pupil_id=pk, request=request)
        choice = new_choice(timezone.localdate())
    return render(
        request,
        "transfers/send.html",
        {
            "pupil": pupil,
            "choice": choice,
            "errors": errors,
            "schools": selectors.destinations(connection.tenant.pk),
        },
        status=400 if errors else 200,
    )


# The send form's steps, after the first (which checks and asks to confirm).
SEND, CHANGE = "send", "change"


@school_view
@require_GET
def outgoing(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = services.open_outgoing(viewer=request.viewer, transfer_id=pk, request=request)
    return _outgoing_page(request, transfer)


@school_view
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        sent = services.resend_transfer(viewer=request.viewer, transfer_id=pk, request=request)
    except Invalid as invalid:
        transfer = services.open_outgoing(viewer=request.viewer, transfer_id=pk)
        return _outgoing_page(request, transfer, errors=invalid.errors, status=400)
    if sent.passphrase:
        return _passphrase_page(request, sent)
    messages.success(request, "Sent again: the receiving school's DSLs have been alerted again.")
    return redirect("transfers:outgoing", pk)


@school_view
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        transfer = services.withdraw_transfer(
            viewer=request.viewer, transfer_id=pk, request=request
        )
    except Invalid as invalid:
        transfer = services.open_outgoing(viewer=request.viewer, transfer_id=pk)
        return _outgoing_page(request, transfer, errors=invalid.errors, status=400)
    messages.success(
        request,
        f"Withdrawn: {transfer.destination} can no longer accept it. You can send the file "
        "again, to the right school.",
    )
    return redirect("transfers:outgoing", pk)


@school_view
@require_GET
def bundle(request: HttpRequest, pk: int) -> HttpResponse:
    return _attachment(
        services.download_bundle(viewer=request.viewer, transfer_id=pk, request=request)
    )


@school_view
@require_GET
def incoming(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening it marks it viewed, here and at the sending school, the first time."""
    found = services.open_incoming(viewer=request.viewer, incoming_id=pk, request=request)
    return _incoming_page(request, found)


@school_view
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        accepted = services.accept_incoming(viewer=request.viewer, incoming_id=pk, request=request)
    except (Invalid, services.TransferFailed) as problem:
        errors = problem.errors if isinstance(problem, Invalid) else {"__all__": [str(problem)]}
        found = selectors.incoming_transfer(pk)
        return _incoming_page(request, found, errors=errors, status=409)
    messages.success(request, "Accepted: the file is on the pupil's page, marked as transferred.")
    return redirect("transfers:received", accepted.pk)


@school_view
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.reject_incoming(
            viewer=request.viewer,
            incoming_id=pk,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except Invalid as invalid:
        found = selectors.incoming_transfer(pk)
        return _incoming_page(request, found, errors=invalid.errors, status=400)
    messages.success(request, "Rejected: the sending school has been told why.")
    return redirect("transfers:list")


@school_view
@require_GET
def received(request: HttpRequest, pk: int) -> HttpResponse:
    """The transferred file, read-only, apart from the pupil's own chronology."""
    file = selectors.received_file(request.viewer, pk)
    response = render(request, "transfers/received.html", {"file": file})
    audit.record(
        action=AuditAction.TRANSFERRED_FILE_VIEWED,
        object_type=services.INCOMING,
        object_id=file.incoming.pk,
        pupil_id=file.incoming.pupil_id,
        request=request,
        detail={"incidents": len(file.incidents)},
    )
    return response


@school_view
@require_GET
def received_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of a transferred file, as an attachment, once the policy agrees."""
    found = selectors.transferred_attachment(request.viewer, pk)
    link = default_storage.private_url(found.key)
    if link:
        response: HttpResponse = HttpResponseRedirect(link)
    else:
        response = FileResponse(
            default_storage.open(found.key, "rb"),
            as_attachment=True,
            filename=found.name,
            content_type=found.content_type,
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    audit.record(
        action=AuditAction.TRANSFERRED_ATTACHMENT_DOWNLOADED,
        object_type="transferred_file",
        object_id=found.pk,
        pupil_id=found.pupil_id,
        request=request,
    )
    return response


@public
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """The receipt link in an off-platform bundle: the sending school's name and the
    transfer's reference only, and a form to confirm receipt. Reachable without signing in:
    the token is the key. An unknown, replaced or used token is a 404. The GET writes
    nothing (mail systems open links to scan them); the POST marks the transfer viewed and,
    when complete, received."""
    errors: dict[str, list[str]] = {}
    try:
        if request.method == "POST":
            try:
                transfer = services.confirm_receipt(
                    token=token,
                    name=request.POST.get("name", ""),
                    school=request.POST.get("school", ""),
                    request=request,
                )
            except Invalid as invalid:
                errors = invalid.errors
            else:
                return render(
                    request, "transfers/receipt_done.html", {"reference": transfer.reference}
                )
        transfer = services.open_receipt(token=token)
    except NotFound:
        raise Http404("No such receipt link.") from None
    return render(
        request,
        "transfers/receipt.html",
        {
            "school": connection.tenant.name,
            "reference": transfer.reference,
            "data": request.POST,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _outgoing_page(request, transfer, *, errors=None, status=200) -> HttpResponse:
    return render(
        request,
        "transfers/outgoing.html",
        {"transfer": transfer, "clock": selectors.clock_for(transfer), "errors": errors or {}},
        status=status,
    )


def _incoming_page(request, found, *, errors=None, status=200) -> HttpResponse:
    return render(
        request,
        "transfers/incoming.html",
        {
            "incoming": found,
            "clock": selectors.clock_for(found),
            "match": selectors.receiving_match(found) if found.in_flight else None,
            "errors": errors or {},
        },
        status=status,
    )


def _passphrase_page(request: HttpRequest, sent: services.Sent) -> HttpResponse:
    response = render(
        request,
        "transfers/passphrase.html",
        {"transfer": sent.transfer, "passphrase": sent.passphrase},
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment(download: Download) -> HttpResponse:
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
