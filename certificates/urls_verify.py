"""Public certificate verification (no namespace: the QR code's URL name is `verify`)."""

from django.urls import path

from certificates.views import verify

urlpatterns = [
    path("", verify.verify_form, name="verify_form"),
    path("payload/", verify.verify_payload, name="verify_payload"),
    # The county CA's certificate and revocation list (certificates/pades.py): named in every community certificate
    path("ca.crl", verify.county_ca_crl, name="county_ca_crl"),
    path("ca.pem", verify.county_ca_certificate, name="county_ca_certificate"),
    path("<str:code>/", verify.verify, name="verify"),
]
