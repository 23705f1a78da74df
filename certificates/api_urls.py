"""Certificate endpoints of the API, included under /api/v1/ (namespace api) by portal/urls.py."""

from django.urls import path

from certificates import api

urlpatterns = [
    path("certificates/<str:code>/verification/", api.VerificationView.as_view(), name="certificate_verification"),
    path("checks/certificate/", api.CertificateCheckView.as_view(), name="check_certificate"),
    path("checks/holder/", api.HolderCheckView.as_view(), name="check_holder"),
    path("counties/<str:code>/requesting-bodies/", api.RequestingBodiesView.as_view(), name="requesting_bodies"),
]
