"""The keeper's queue, issuing, downloads, reprints and revocation. Namespace: issuance."""

from django.urls import path

from certificates.views import issuance

app_name = "issuance"
urlpatterns = [
    path("", issuance.keeper_queue, name="keeper_queue"),
    path("<int:pk>/issue/", issuance.issue, name="issue"),
    path("<int:pk>/certificate.pdf", issuance.download, name="download"),
    path("<int:pk>/revoke/", issuance.revoke, name="revoke"),
    path("<int:pk>/stub.pdf", issuance.stub, name="stub"),
    path("<int:pk>/receipt/", issuance.receipt, name="receipt"),
]
