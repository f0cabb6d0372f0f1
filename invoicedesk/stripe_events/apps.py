from datetime import timedelta

from django.apps import AppConfig


class StripeEventsConfig(AppConfig):
    """Stripe's webhook: verified on the raw body, stored once by event id, dispatched to the owning app's handlers."""

    name = "invoicedesk.stripe_events"
    label = "stripe_events"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.core.schedule import register_periodic_job
        from invoicedesk.core.work_queues import register_work_queue

        from .services import WORK_QUEUE, stripe_events_drain, stripe_events_retry

        register_periodic_job("retry_stripe_events", every=timedelta(minutes=1), run=stripe_events_retry)
        register_work_queue(WORK_QUEUE, drain=stripe_events_drain)
