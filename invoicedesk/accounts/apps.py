from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "invoicedesk.accounts"
    label = "accounts"
