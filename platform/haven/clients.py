"""Where a request came from, as sign-in lockouts and the audit log record it, and where it
may be sent back to."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


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


def same_host_target(request: HttpRequest, target: str | None, default: str = "/") -> str:
    """`target` if it leads to this very host (a `next=` or a Referer), else `default`:
    never an open redirect."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
