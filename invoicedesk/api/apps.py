from datetime import timedelta

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "invoicedesk.api"
    label = "api"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.core.schedule import register_periodic_job

        from .idempotency import idempotent_requests_purge

        register_periodic_job("purge_idempotency_keys", every=timedelta(hours=1), run=idempotent_requests_purge)
