"""The portal's URLs plus a few views that fail on purpose, to test the error pages through HTTP."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path

from portal.errors import Forbidden, NotFound
from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns
from seals.models import Seal


def raising(exception: Exception):
    def view(request):
        raise exception

    return view


def no_such_seal(request):
    get_object_or_404(Seal, pk=0)  # Django's own message: "No Seal matches the given query."


urlpatterns = [
    path("test-errors/forbidden/", raising(Forbidden("只有本社区主任可以撤销证明。"))),
    path("test-errors/not-found/", raising(NotFound("没有找到这个社区（村）。"))),
    path("test-errors/plain-403/", raising(PermissionDenied("internal: user 7 lacks certificates.sign"))),
    path("test-errors/plain-404/", raising(Http404("internal: no row 42 in certificates_request"))),
    path("test-errors/django-404/", no_such_seal),
    path("test-errors/bad-request/", raising(BadRequest("malformed: field x"))),
    path("test-errors/crash/", raising(RuntimeError("boom"))),
    *portal_urlpatterns,
]
