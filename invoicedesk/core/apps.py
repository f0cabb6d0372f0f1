from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "invoicedesk.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        # Here, not at the top: models must be loaded first. Importing checks registers them.
        from . import checks  # noqa: F401
        from .converters import IdConverter

        # Before the URLconf is read (it is read on the first request or reverse()): `<id:…>` in every app's urls.
        register_converter(IdConverter, "id")
