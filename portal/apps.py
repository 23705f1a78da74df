from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("平台基础")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from portal import authstate, checks, lookups, pagecache  # noqa: F401  (checks registers the deployment checks)
        from portal.lockout import record_lockout

        user_locked_out.connect(record_lockout, dispatch_uid="portal.lockout.record_lockout")
        lookups.register()
        authstate.connect()
        pagecache.connect()
