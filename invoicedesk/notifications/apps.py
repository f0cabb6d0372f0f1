from datetime import timedelta

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "invoicedesk.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.alerts.signals import alert_raised
        from invoicedesk.core.schedule import register_periodic_job
        from invoicedesk.payments.history import register_statuses
        from invoicedesk.payments.models import TransactionKind
        from invoicedesk.refunds.signals import refund_declined, refund_held, refund_reversed, refund_succeeded

        from .models import NotificationStatus
        from .services import (
            on_alert_raised,
            on_refund_declined,
            on_refund_held,
            on_refund_reversed,
            on_refund_succeeded,
        )
        from .tasks import resend_abandoned_notifications

        register_statuses([TransactionKind.NOTIFICATION], NotificationStatus)
        refund_succeeded.connect(on_refund_succeeded, dispatch_uid="notifications.refund_succeeded")
        refund_reversed.connect(on_refund_reversed, dispatch_uid="notifications.refund_reversed")
        alert_raised.connect(on_alert_raised, dispatch_uid="notifications.alert_raised")
        refund_held.connect(on_refund_held, dispatch_uid="notifications.refund_held")
        refund_declined.connect(on_refund_declined, dispatch_uid="notifications.refund_declined")
        register_periodic_job(
            "resend_abandoned_notifications", every=timedelta(minutes=1), run=resend_abandoned_notifications
        )
