"""County and provincial officers' catalog maintenance. Namespace: catalog_officer.

`<kind>` is "issuable" (出具证明事项清单) or "non-issuable" (不予出具证明事项清单); any other value is a 404.
"""

from django.urls import path

from catalog.views import officer

app_name = "catalog_officer"
urlpatterns = [
    path("", officer.dashboard, name="dashboard"),
    path("<str:kind>/new/", officer.item_create, name="item_create"),
    path("<str:kind>/<int:pk>/", officer.item_detail, name="item_detail"),
    path("<str:kind>/<int:pk>/edit/", officer.item_edit, name="item_edit"),
    path("<str:kind>/<int:pk>/publish/", officer.item_publish, name="item_publish"),
    path("<str:kind>/<int:pk>/retire/", officer.item_retire, name="item_retire"),
    path("<str:kind>/<int:pk>/discard/", officer.item_discard, name="item_discard"),
    path("<str:kind>/<int:pk>/history/", officer.item_history, name="item_history"),
    path("<str:kind>/<int:pk>/history/<int:history_id>/", officer.item_diff, name="item_diff"),
    path("<str:kind>/<int:pk>/history/<int:history_id>/restore/", officer.item_restore, name="item_restore"),
]
