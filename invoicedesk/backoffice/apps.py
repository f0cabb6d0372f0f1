from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff's screens that show several domains at once: the Billing Management list and invoice detail."""

    name = "invoicedesk.backoffice"
    label = "backoffice"
