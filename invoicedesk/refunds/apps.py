from datetime import timedelta

from django.apps import AppConfig


class RefundsConfig(AppConfig):
    name = "invoicedesk.refunds"
    label = "refunds"

    def ready(self) -> None:
        # Here, not at the top: models must be loaded first.
        from invoicedesk.core.queue import register_job_retry
        from invoicedesk.core.schedule import register_periodic_job
        from invoicedesk.payments.history import register_choices, register_statuses
        from invoicedesk.payments.models import TransactionKind
        from invoicedesk.stripe_integration.gateway import StripeUnavailable

        from . import webhooks
        from .approvals import refunds_expire_approvals
        from .disputes import disputes_alert_due_soon
        from .models import DisputeReason, DisputeStatus, RefundClassification, RefundPendingReason, RefundStatus
        from .tasks import reconcile_nightly_if_due, reconcile_stripe_links, refunds_recover_enqueue

        register_statuses([TransactionKind.REFUND, TransactionKind.REFUND_UPDATE], RefundStatus)
        register_choices("refund_classification", RefundClassification)
        register_choices("refund_status", RefundStatus)
        register_choices("refund_pending_reason", RefundPendingReason)
        register_statuses([TransactionKind.DISPUTE], DisputeStatus)
        register_choices("dispute_status", DisputeStatus)
        register_choices("dispute_reason", DisputeReason)
        webhooks.register()
        register_periodic_job("recover_refunds", every=timedelta(minutes=1), run=refunds_recover_enqueue)
        register_periodic_job("expire_approvals", every=timedelta(minutes=5), run=refunds_expire_approvals)
        register_periodic_job("alert_disputes_due", every=timedelta(hours=1), run=disputes_alert_due_soon)
        register_periodic_job("reconcile_stripe", every=timedelta(hours=1), run=reconcile_nightly_if_due)
        # A link whose Stripe calls end in an unknown outcome (timeout, 5xx, 429) is asked again later: after 2, 4,
        # 8, 16, 32 s; the last attempt records it as a difference, so the run ends.
        register_job_retry(reconcile_stripe_links, max_attempts=5, exponential_wait=2, retry_on=(StripeUnavailable,))
