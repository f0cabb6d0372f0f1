from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.payments.services import payment_link_expire


class Command(BaseCommand):
    help = "Mark unpaid payment links past their expiry EXPIRED (run it hourly, e.g. from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        due = PaymentLink.objects.filter(status=PaymentLinkStatus.UNPAID, expires_at__lte=timezone.now())
        expired = sum(payment_link_expire(link_id=pk) for pk in due.values_list("pk", flat=True).iterator())
        self.stdout.write(f"{expired} payment link(s) expired.")
