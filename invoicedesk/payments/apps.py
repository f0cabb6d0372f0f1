from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "invoicedesk.payments"
    label = "payments"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from . import webhooks

        webhooks.register()
