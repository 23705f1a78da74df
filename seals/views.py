"""Seal pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def seal_list(request: HttpRequest, community_code: str) -> HttpResponse:
    return render(request, "portal/home.html", {})
