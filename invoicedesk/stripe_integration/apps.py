from django.apps import AppConfig


class StripeIntegrationConfig(AppConfig):
    """Everything about Stripe in one room: the gateway (the one module that imports `stripe`), the webhook
    endpoints, the event store and the registry of handlers that the apps above fill in their own ready()."""

    name = "invoicedesk.stripe_integration"
    # The label of the app this grew from: its migrations, table (stripe_events_stripeevent), content type and
    # admin URLs keep their names.
    label = "stripe_events"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.core.work_queues import register_work_queue

        from .services import WORK_QUEUE, stripe_events_drain

        register_work_queue(WORK_QUEUE, drain=stripe_events_drain)
