from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("portal.site_urls")),
    path("catalog/", include("catalog.urls_public")),
    path("officer/catalog/", include("catalog.urls_officer")),
    path("requests/", include("certificates.urls_resident")),
    path("desk/", include("certificates.urls_staff")),
    path("verify/", include("certificates.urls_verify")),
    path("issuance/", include("certificates.urls_issuance")),
    path("seals/", include("seals.urls")),
    # The versioned API for departments and the public (portal/api.py); a v2 would sit beside it.
    path(
        "api/v1/",
        include(
            (
                [
                    path("", include("portal.api_urls")),
                    path("", include("catalog.api_urls")),
                    path("", include("certificates.api_urls")),
                ],
                "api",
            )
        ),
    ),
]

if settings.LOADTEST_BARE_VIEW:  # `make loadtest` only: the yardstick page (portal/loadtest_views.py)
    from portal.loadtest_views import bare_table

    urlpatterns += [path("loadtest/bare-table/", bare_table)]

# Chinese error pages (portal/errors.py); the CSRF failure page is settings.CSRF_FAILURE_VIEW.
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
