from django.apps import AppConfig


class RefundsConfig(AppConfig):
    name = "invoicedesk.refunds"
    label = "refunds"
