"""County and provincial officers' catalog maintenance. Namespace: catalog_officer."""

from django.urls import path

from catalog.views import officer

app_name = "catalog_officer"
urlpatterns = [
    path("", officer.dashboard, name="dashboard"),
]
