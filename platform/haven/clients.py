"""Where a request came from, as sign-in lockouts and the audit log record it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent the request. Behind HAVEN_PROXY_COUNT proxies that each
    append to X-Forwarded-For, the entry the outermost of them added; anything a client put
    further left is its own claim and ignored. Without proxies, the socket's address."""
    proxies = settings.CONFIG.proxy_count
    address = request.META.get("REMOTE_ADDR", "")
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None  # not from a socket at all: a test client, a management command
