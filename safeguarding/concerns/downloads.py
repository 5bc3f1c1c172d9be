"""Files leave Haven only as downloads, and only after the access policy has agreed."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.errors import NotFound


def attachment_response(viewer: Viewer, attachment_id: int) -> HttpResponse:
    """The file as an attachment (never inline), or a 60-second signed link to it in S3."""
    attachment = policy.visible_attachments(viewer).filter(pk=attachment_id).first()
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
    return response
