"""Public disclosure (公开公示) URLs, no login. Namespace: catalog."""

from django.urls import path

from catalog.views import public

app_name = "catalog"
urlpatterns = [
    path("", public.community_list, name="community_list"),
]
