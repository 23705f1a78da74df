"""Residents' side: apply, my requests, supplements, files, refusal notices. Namespace: requests."""

from django.urls import path

from certificates.views import resident

app_name = "requests"
urlpatterns = [
    path("", resident.my_requests, name="my_requests"),
]
