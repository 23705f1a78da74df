from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("证明申请与登记")

    def ready(self) -> None:
        # Appointments live in portal, which imports no domain app: it announces them, this app sends the invitation.
        from certificates import notifications
        from portal.appointments import appointment_made

        appointment_made.connect(notifications.appointment_invited, dispatch_uid="certificates.appointment_invited")
