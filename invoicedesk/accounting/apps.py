from django.apps import AppConfig


class AccountingConfig(AppConfig):
    """Journal entries of payments, Stripe's fees and refunds, exported for Japanese accounting software."""

    name = "invoicedesk.accounting"
    label = "accounting"
