from typing import Any

from django.core.management.base import BaseCommand

from invoicedesk.payments.services import payment_links_expire_due


class Command(BaseCommand):
    help = "Mark unpaid payment links past their expiry EXPIRED (the worker does this hourly; cron may too)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{payment_links_expire_due()} payment link(s) expired.")
