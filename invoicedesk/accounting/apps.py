from datetime import timedelta

from django.apps import AppConfig


class AccountingConfig(AppConfig):
    """Journal entries of payments, Stripe's fees and refunds, exported for Japanese accounting software;
    registration numbers checked against the National Tax Agency's registry."""

    name = "invoicedesk.accounting"
    label = "accounting"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from django.db.models.signals import post_save

        from invoicedesk.accounts.models import Organization
        from invoicedesk.billing.models import Buyer
        from invoicedesk.core.notices import register_invoice_notice
        from invoicedesk.core.schedule import register_periodic_job

        from .registry import buyer_number_notice
        from .signals import buyer_saved, organization_saved
        from .tasks import registry_refresh_enqueue

        post_save.connect(organization_saved, sender=Organization, dispatch_uid="accounting.registry.organization")
        post_save.connect(buyer_saved, sender=Buyer, dispatch_uid="accounting.registry.buyer")
        # Nightly: the registry's changes (`diff`) applied to the numbers we watch. The job only queues the task.
        register_periodic_job("registry_refresh", every=timedelta(hours=24), run=registry_refresh_enqueue)
        # The refund modal (refunds, below us) shows the buyer's number flag through core.notices.
        register_invoice_notice("accounting.buyer_registration", buyer_number_notice)
