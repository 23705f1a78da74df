"""Superuser admin for the catalogs. A published item cannot be deleted here either."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from catalog.models import IssuableItem, NonIssuableItem, Status


class CatalogItemAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "scope", "region", "status", "effective_from", "effective_to")
    list_filter = ("scope", "status")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == Status.DRAFT

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk delete would bypass the per-item check
        return actions


admin.site.register(IssuableItem, CatalogItemAdmin)
admin.site.register(NonIssuableItem, CatalogItemAdmin)
