from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "invoicedesk.notifications"
    label = "notifications"
