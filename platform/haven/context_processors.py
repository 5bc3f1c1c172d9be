"""Values every page needs: which school (if any) this host serves."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    school = getattr(request, "school", None)
    return {
        "school": school,
        "site_name": school.name if school else "Haven",
        "base_domain": settings.HAVEN_BASE_DOMAIN,
    }
