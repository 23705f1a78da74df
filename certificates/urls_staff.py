"""Community staff, directors and county officers: queue, counter entry, decisions, register. Namespace: desk."""

from django.urls import path

from certificates.views import staff

app_name = "desk"
urlpatterns = [
    path("", staff.queue, name="queue"),
]
