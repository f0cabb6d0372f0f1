from datetime import timedelta

from django.apps import AppConfig
from django.tasks.signals import task_enqueued


class CoreConfig(AppConfig):
    name = "invoicedesk.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        # Here, not at the top: models must be loaded first. Importing checks registers them.
        from . import checks  # noqa: F401
        from .converters import IdConverter
        from .schedule import register_periodic_job
        from .task_leases import tasks_reclaim
        from .wakeups import wake_workers_on_enqueue

        # Before the URLconf is read (it is read on the first request or reverse()): `<id:…>` in every app's urls.
        register_converter(IdConverter, "id")
        task_enqueued.connect(wake_workers_on_enqueue, dispatch_uid="invoicedesk.wake_workers_on_enqueue")

        register_periodic_job("reclaim_tasks", every=timedelta(minutes=1), run=tasks_reclaim)
