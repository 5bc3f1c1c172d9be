"""What every school page shares: who is asking (as the policy sees them) and how the
services' errors become responses. A thing the viewer may not see is a 404, always."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Protocol

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from safeguarding import display
from safeguarding.access.policy import viewer_for
from safeguarding.errors import NotFound, NotPermitted


def school_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a role at this school; request.viewer set for the policy."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.viewer = viewer_for(request.user)
        if request.viewer.level is None:
            return render(request, "safeguarding/no_role.html", status=403)
        try:
            with display.names_on_screen(hidden=request.session.get(display.SESSION_KEY, False)):
                return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("Not found") from None
        except NotPermitted as refusal:
            return render(
                request, "safeguarding/not_permitted.html", {"reason": str(refusal)}, status=403
            )

    wrapped.haven_access = "school staff"
    return wrapped


class Downloadable(Protocol):
    content: bytes
    content_type: str
    filename: str


def attachment(download: Downloadable) -> HttpResponse:
    """A file as a download that no cache keeps and no browser sniffs into something else.
    Its name is the service's: ids and dates, never a child's name."""
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
