"""Seals, the seal ledger and non-certificate seal use. Namespace: seals."""

from django.urls import path

from seals import views

app_name = "seals"
urlpatterns = [
    path("<str:community_code>/", views.seal_list, name="seal_list"),
]
