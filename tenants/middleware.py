"""Chooses the schema for each request from its Host header, before anything else runs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.request import split_domain_port
from django.shortcuts import render
from django.urls import set_urlconf

from tenants.models import School
from tenants.selectors import school_for_host


class SchoolHostMiddleware:
    """The base domain is the platform (public schema); `<slug>.<base domain>` is that
    school's schema; any other host is a 404 and never falls back to the platform."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        try:
            hostname, _port = split_domain_port(request.get_host())
        except DisallowedHost:
            return HttpResponseBadRequest("Bad Request", content_type="text/plain")

        if hostname == settings.HAVEN_BASE_DOMAIN:
            request.tenant = connection.tenant
            request.school = None
            return self._route(request, settings.PUBLIC_SCHEMA_URLCONF)

        school = school_for_host(hostname)
        if school is None:
            return render(request, "haven/no_school.html", status=404)
        if school.status != School.Status.ACTIVE:
            return render(
                request, "tenants/school_unavailable.html", {"school": school}, status=403
            )
        school.domain_url = hostname
        request.tenant = school
        request.school = school
        connection.set_tenant(school)
        return self._route(request, settings.ROOT_URLCONF)

    def _route(self, request: HttpRequest, urlconf: str) -> HttpResponse:
        request.urlconf = urlconf
        set_urlconf(urlconf)
        return self.get_response(request)
