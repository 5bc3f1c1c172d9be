"""Files leave Haven only as downloads, and only after the access policy has agreed."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.errors import NotFound


def attachment_response(
    viewer: Viewer, attachment_id: int, *, request: HttpRequest
) -> HttpResponse:
    """The file as an attachment (never inline), or a 60-second signed link to it in S3.
    Each download is in the audit log, under the pupil the incident is about."""
    attachment = (
        policy.visible_attachments(viewer)
        .annotate(subject_id=F("incident__pupil_id"))
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise NotFound("No such file.")
    link = default_storage.private_url(attachment.file.name)
    if link:
        response: HttpResponse = HttpResponseRedirect(link)
    else:
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    audit.record(
        action=AuditAction.FILE_DOWNLOADED,
        object_type="file",
        object_id=attachment.pk,
        pupil_id=attachment.subject_id,
        request=request,
        detail={"incident": attachment.incident_id, "action": attachment.action_id},
    )
    return response
