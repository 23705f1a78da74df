"""Public certificate verification (no namespace: the QR code's URL name is `verify`)."""

from django.urls import path

from certificates.views import verify

urlpatterns = [
    path("", verify.verify_form, name="verify_form"),
    path("payload/", verify.verify_payload, name="verify_payload"),
    path("<str:code>/", verify.verify, name="verify"),
]
