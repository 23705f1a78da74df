"""Public disclosure (公开公示) URLs, no login. Namespace: catalog. `code` is a community's 12-digit Region.code."""

from django.urls import path

from catalog.views import public

app_name = "catalog"
urlpatterns = [
    path("", public.community_list, name="community_list"),
    path("c/<str:code>/", public.community_detail, name="community_detail"),
    path("c/<str:code>/issuable/<str:item_code>/", public.issuable_detail, name="issuable_detail"),
    path("c/<str:code>/non-issuable/<str:item_code>/", public.non_issuable_detail, name="non_issuable_detail"),
    path("c/<str:code>/notice-board.pdf", public.notice_board_pdf, name="notice_board_pdf"),
]
