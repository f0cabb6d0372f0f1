from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Qualified return invoices (適格返還請求書) issued with refunds, kept unaltered."""

    name = "invoicedesk.documents"
    label = "documents"

    def ready(self) -> None:
        from invoicedesk.core.named_tasks import register_named_task

        from .tasks import issue_correction, issue_return_invoice

        # Enqueued by refunds.outcomes in the transaction that records the refund's success or reversal.
        register_named_task("documents.issue_return_invoice", issue_return_invoice)
        register_named_task("documents.issue_correction", issue_correction)
