from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "invoicedesk.core"
    label = "core"

    def ready(self) -> None:
        # Registers the system checks.
        from . import checks  # noqa: F401
