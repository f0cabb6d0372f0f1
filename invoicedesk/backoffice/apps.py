from datetime import timedelta

from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff's screens that show several domains at once: the Billing Management list and invoice detail."""

    name = "invoicedesk.backoffice"
    label = "backoffice"

    def ready(self) -> None:
        from invoicedesk.core.queue import register_job_lock
        from invoicedesk.core.schedule import register_periodic_job

        from .tasks import verify_audit_if_due, verify_audit_nightly

        register_periodic_job("verify_audit", every=timedelta(hours=1), run=verify_audit_if_due)
        register_job_lock(verify_audit_nightly, "verify_audit")
