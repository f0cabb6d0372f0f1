from django.apps import AppConfig


class StripeEventsConfig(AppConfig):
    """Stripe's webhook: verified on the raw body, stored once by event id, dispatched to the owning app's handlers."""

    name = "invoicedesk.stripe_events"
    label = "stripe_events"
