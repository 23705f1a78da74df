"""Public disclosure pages (公开公示): no login needed."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def community_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {})
