from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "invoicedesk.audit"
    label = "audit"
