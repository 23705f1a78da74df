"""Django admin: for superusers only. Officers use the portal's own interfaces."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.models import LoginLockout, Membership, Region, User


def superuser_only(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = superuser_only
admin.site.site_header = _("社区证明服务平台 · 系统管理")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "community_kind", "parent")
    list_filter = ("level", "community_kind")
    search_fields = ("code", "name")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("region",)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "real_name", "phone", "is_superuser")
    search_fields = ("username", "real_name", "phone")
    fieldsets = (*UserAdmin.fieldsets, (_("实名信息"), {"fields": ("real_name", "phone", "id_number")}))
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "region", "active")
    list_filter = ("role", "active")
    autocomplete_fields = ("user", "region")


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Read only: a permanent record of each sign-in lockout (axes' own tables hold the live counters)."""

    list_display = ("locked_at", "identifier", "account", "ip_address", "step", "failures", "locked_until")
    list_filter = ("step",)
    search_fields = ("identifier", "ip_address")
    date_hierarchy = "locked_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
