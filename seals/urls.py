"""Seals, the seal ledger and non-certificate seal use. Namespace: seals."""

from django.urls import path, re_path

from seals import views

app_name = "seals"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:community_code>/", views.seal_list, name="seal_list"),
    path("<str:community_code>/new/", views.seal_new, name="seal_new"),
    path("<str:community_code>/<int:pk>/", views.seal_detail, name="seal_detail"),
    path("<str:community_code>/<int:pk>/impression/", views.impression, name="impression"),
    path("<str:community_code>/<int:pk>/impression/upload/", views.impression_upload, name="impression_upload"),
    path("<str:community_code>/<int:pk>/handover/", views.handover, name="handover"),
    path("<str:community_code>/<int:pk>/status/", views.set_status, name="status"),
    path("<str:community_code>/ledger/", views.ledger, name="ledger"),
    re_path(
        r"^(?P<community_code>[^/]+)/ledger/export\.(?P<fmt>csv|xlsx)$",
        views.ledger_export,
        name="ledger_export",
    ),
    path("<str:community_code>/use-requests/new/", views.use_request_new, name="use_request_new"),
    path("<str:community_code>/use-requests/<int:pk>/decide/", views.use_request_decide, name="use_request_decide"),
    path("<str:community_code>/use-requests/<int:pk>/apply/", views.use_request_apply, name="use_request_apply"),
]
