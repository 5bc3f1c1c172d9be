"""Haven's school URLs plus one bare Django view, served only by the benchmarks' own server
so that Haven is measured beside plain Django on the same server, in the same run."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("haven.urls_school")),
]
