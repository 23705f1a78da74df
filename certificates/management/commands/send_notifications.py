"""Send again the notifications whose wait is over (run every minute from cron); prints how many were tried and how
many have failed for good (those are shown to staff on the request's page)."""

from django.core.management.base import BaseCommand

from certificates import notifications
from certificates.models import DeliveryStatus, NotificationDelivery


class Command(BaseCommand):
    help = "Retry pending notification deliveries whose wait is over."

    def handle(self, *args, **options):
        tried = notifications.retry_due()
        failed = NotificationDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
        self.stdout.write(f"tried={tried} failed={failed}")
