from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Things about money that need a person: raised by payments and refunds, acknowledged by staff."""

    name = "invoicedesk.alerts"
    label = "alerts"
