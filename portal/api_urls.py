"""/api/v1/: the portal's own endpoints, the OpenAPI schema and its document page (served locally, no CDN).
The domain apps' endpoints are included beside these in portal/urls.py (by module name: portal imports no
domain app)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (no inline script), from drf-spectacular-sidecar's
    # static copy of Swagger UI.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("audit/", api.OwnAuditView.as_view(), name="audit"),
]
