"""County and provincial officers' catalog maintenance. Namespace: catalog_officer.

`<kind>` is "issuable" (出具证明事项清单) or "non-issuable" (不予出具证明事项清单); any other value is a 404. The
vocabulary (concepts, liability phrases) and the province's review queue come first, so that their fixed words are
never read as a kind.
"""

from django.urls import path

from catalog.views import decisions, officer, places, vocabulary

app_name = "catalog_officer"
urlpatterns = [
    path("", officer.dashboard, name="dashboard"),
    path("concepts/", vocabulary.concept_list, name="concept_list"),
    path("concepts/new/", vocabulary.concept_edit, name="concept_create"),
    path("concepts/<int:pk>/", vocabulary.concept_detail, name="concept_detail"),
    path("concepts/<int:pk>/edit/", vocabulary.concept_edit, name="concept_edit"),
    path("liability-phrases/", vocabulary.phrase_list, name="phrase_list"),
    path("liability-phrases/<int:pk>/", vocabulary.phrase_detail, name="phrase_detail"),
    path("reviews/", decisions.review_queue, name="review_queue"),
    path("places/", places.places, name="places"),
    path("places/<str:region_code>/", places.place, name="place"),
    path("reviews/<int:pk>/decide/", decisions.review_decide, name="review_decide"),
    path("<str:kind>/new/", officer.item_create, name="item_create"),
    path("<str:kind>/<int:pk>/", officer.item_detail, name="item_detail"),
    path("<str:kind>/<int:pk>/edit/", officer.item_edit, name="item_edit"),
    path("<str:kind>/<int:pk>/publish/", officer.item_publish, name="item_publish"),
    path("<str:kind>/<int:pk>/review/", decisions.review_request, name="review_request"),
    path("<str:kind>/<int:pk>/confirm/", decisions.item_confirm, name="item_confirm"),
    path("<str:kind>/<int:pk>/retire/", officer.item_retire, name="item_retire"),
    path("<str:kind>/<int:pk>/discard/", officer.item_discard, name="item_discard"),
    path("<str:kind>/<int:pk>/history/", officer.item_history, name="item_history"),
    path("<str:kind>/<int:pk>/history/<int:history_id>/", officer.item_diff, name="item_diff"),
    path("<str:kind>/<int:pk>/history/<int:history_id>/restore/", officer.item_restore, name="item_restore"),
]
