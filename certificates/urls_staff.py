"""Community staff, directors and county officers: queue, counter entry, decisions, register. Namespace: desk."""

from django.urls import path, re_path

from certificates.views import (
    alerts,
    catalog_preview,
    complaints,
    county,
    exportjobs,
    keys,
    oversight,
    register,
    staff,
    workaccess,
)

app_name = "desk"
urlpatterns = [
    path("", staff.queue, name="queue"),
    path("requests/<int:pk>/", staff.detail, name="detail"),
    path("sign/", staff.sign_from_list, name="sign_from_list"),
    path("counter/<str:community_code>/", staff.counter_new, name="counter_new"),
    path("counter/<str:community_code>/<str:item_code>/", staff.counter_entry, name="counter_entry"),
    path("exceptional/<str:community_code>/", staff.exceptional_new, name="exceptional_new"),
    path("register/<str:community_code>/", register.register, name="register"),
    re_path(
        r"^register/(?P<community_code>[^/]+)/export\.(?P<fmt>csv|xlsx)$",
        register.register_export,
        name="register_export",
    ),
    # large exports rendered by a worker: the status page, the download and the retry, for the person who asked
    path("exports/<int:pk>/", exportjobs.job, name="export_job"),
    path("exports/<int:pk>/download/", exportjobs.download, name="export_download"),
    path("exports/<int:pk>/retry/", exportjobs.retry, name="export_retry"),
    path("county/", staff.county, name="county"),
    path("catalog-preview/", catalog_preview.catalog_preview, name="catalog_preview"),
    path("county/four-eyes/<str:community_code>/", staff.four_eyes, name="four_eyes"),
    path("county/review/<int:pk>/", staff.county_review, name="county_review"),
    path("county/<str:county_code>/exceptions/", county.exceptions, name="county_exceptions"),
    path("county/<str:county_code>/requesting-bodies/", county.requesting_bodies, name="requesting_bodies"),
    path("county/<str:county_code>/signing-keys/", keys.signing_keys, name="signing_keys"),
    path("oversight/", oversight.index, name="oversight"),
    path("oversight/<str:region_code>/", oversight.area, name="oversight_area"),
    re_path(
        r"^oversight/(?P<region_code>\d{12})/(?P<figure>[a-z_]+)\.(?P<fmt>csv|xlsx)$",
        oversight.export,
        name="oversight_export",
    ),
    path("oversight/<str:community_code>/inspect/", oversight.inspection_new, name="inspection_new"),
    path("oversight/<str:region_code>/inspections/", oversight.inspection_list, name="inspections"),
    path("findings/<int:pk>/", oversight.finding_detail, name="finding"),
    path("oversight/<str:community_code>/criticise/", oversight.criticism_new, name="criticism_new"),
    path("criticisms/<int:pk>/pdf/", oversight.criticism_pdf, name="criticism_pdf"),
    # public complaints (监督举报) and anomaly alerts (异常预警) of the places an officer oversees
    path("complaints/<str:region_code>/", complaints.complaint_list, name="complaints"),
    path("complaint/<int:pk>/", complaints.complaint_detail, name="complaint"),
    path("alerts/<str:region_code>/", alerts.alert_list, name="alerts"),
    path("alerts/<str:county_code>/rules/", alerts.alert_rules, name="alert_rules"),
    path("alert/<int:pk>/", alerts.alert_detail, name="alert"),
    path("work-access/", workaccess.department, name="work_access"),
    path("work-access/county/<str:county_code>/", workaccess.county, name="work_access_county"),
    path("work-access/<int:pk>/decide/", workaccess.decide, name="work_access_decide"),
    path("requests/<int:pk>/post-check/", staff.post_check, name="post_check"),
    path("requests/<int:pk>/notifications/<int:delivery_id>/send-again/", staff.send_again, name="send_again"),
]
