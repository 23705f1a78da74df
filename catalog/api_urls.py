"""Public catalog endpoints of the API, included under /api/v1/ (namespace api) by portal/urls.py."""

from django.urls import path

from catalog import api

urlpatterns = [
    path("communities/<str:code>/catalog/", api.CommunityCatalogView.as_view(), name="community_catalog"),
]
