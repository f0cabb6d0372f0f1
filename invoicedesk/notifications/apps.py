from datetime import timedelta

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "invoicedesk.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.alerts.hooks import alert_raised
        from invoicedesk.core.schedule import register_periodic_job
        from invoicedesk.payments.history import register_statuses
        from invoicedesk.payments.models import TransactionKind
        from invoicedesk.refunds.hooks import refund_declined, refund_held, refund_reversed, refund_succeeded

        from .models import NotificationStatus
        from .services import (
            notification_ask_approvers,
            notification_correct_reversed_refund,
            notification_queue_alert,
            notification_queue_refund_succeeded,
            notification_tell_requester,
        )
        from .tasks import resend_abandoned_notifications

        register_statuses([TransactionKind.NOTIFICATION], NotificationStatus)
        # The emails that follow a refund's or an alert's events: called explicitly by the service that records
        # the event, inside its transaction (core.hooks), so each is queued with it or not at all.
        refund_succeeded.register(notification_queue_refund_succeeded)
        refund_reversed.register(notification_correct_reversed_refund)
        refund_held.register(notification_ask_approvers)
        refund_declined.register(notification_tell_requester)
        alert_raised.register(notification_queue_alert)
        register_periodic_job(
            "resend_abandoned_notifications", every=timedelta(minutes=1), run=resend_abandoned_notifications
        )
