from datetime import timedelta

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "invoicedesk.payments"
    label = "payments"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.core.schedule import register_periodic_job

        from . import webhooks
        from .services import payment_links_expire_due

        webhooks.register()
        register_periodic_job("expire_payment_links", every=timedelta(hours=1), run=payment_links_expire_due)
