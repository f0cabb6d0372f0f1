from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "invoicedesk.payments"
    label = "payments"
