from datetime import timedelta

from django.apps import AppConfig


class AccountingConfig(AppConfig):
    """Journal entries of payments, Stripe's fees and refunds, exported for Japanese accounting software;
    registration numbers checked against the National Tax Agency's registry."""

    name = "invoicedesk.accounting"
    label = "accounting"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.core.named_tasks import register_named_task
        from invoicedesk.core.notices import register_invoice_notice
        from invoicedesk.core.schedule import register_periodic_job

        from .registry import REGISTRY_LOOKUP, buyer_number_notice
        from .tasks import registry_lookup, registry_refresh_enqueue

        # A number entered below us (a buyer's, in billing) is looked up through this name, queued explicitly by
        # the write that saves it (billing.services.buyer_registration_number_entered).
        register_named_task(REGISTRY_LOOKUP, registry_lookup)
        # Nightly: the registry's changes (`diff`) applied to the numbers we watch. The job only queues the task.
        register_periodic_job("registry_refresh", every=timedelta(hours=24), run=registry_refresh_enqueue)
        # The refund modal (refunds, below us) shows the buyer's number flag through core.notices.
        register_invoice_notice("accounting.buyer_registration", buyer_number_notice)
