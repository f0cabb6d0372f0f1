from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "invoicedesk.core"
    label = "core"
