"""Residents' side: apply, my requests, supplements, files, refusal notices. Namespace: requests."""

from django.urls import path

from certificates.views import complaints, resident, workaccess

app_name = "requests"
urlpatterns = [
    path("", resident.my_requests, name="my_requests"),
    path("apply/<str:community_code>/<str:item_code>/", resident.apply, name="apply"),
    path("<int:pk>/", resident.detail, name="detail"),
    path("<int:pk>/withdraw/", resident.withdraw, name="withdraw"),
    path("<int:pk>/supplement/", resident.supplement, name="supplement"),
    path("<int:pk>/files/<int:attachment_id>/", resident.attachment, name="attachment"),
    path("refuse/<str:community_code>/<str:item_code>/", resident.refusal_notice_create, name="refusal_notice_create"),
    path("refusal/<uuid:token>/", resident.refusal_notice, name="refusal_notice"),
    path("guide/<str:community_code>/<str:item_code>/", resident.refusal_guide, name="refusal_guide"),
    path("guide/<str:community_code>/<str:item_code>/pdf/", resident.refusal_guide_pdf, name="refusal_guide_pdf"),
    path("refusal/<uuid:token>/pdf/", resident.refusal_notice_pdf, name="refusal_notice_pdf"),
    # public complaints (监督举报): anyone reports, and looks the answer up by code
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/received/", complaints.complaint_received, name="complaint_received"),
    path("complaints/lookup/", complaints.complaint_lookup, name="complaint_lookup"),
    # the county's public disclosure of its work-access decisions (工作准入)
    path("work-access/<str:county_code>/", workaccess.public, name="work_access_public"),
]
