from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "invoicedesk.billing"
    label = "billing"
