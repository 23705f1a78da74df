"""Issuance pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def keeper_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {})
