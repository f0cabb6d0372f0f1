from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Qualified return invoices (適格返還請求書) issued with refunds, kept unaltered."""

    name = "invoicedesk.documents"
    label = "documents"

    def ready(self) -> None:
        from invoicedesk.refunds.signals import refund_reversed, refund_succeeded

        from .services import on_refund_reversed, on_refund_succeeded

        refund_succeeded.connect(on_refund_succeeded, dispatch_uid="documents.refund_succeeded")
        refund_reversed.connect(on_refund_reversed, dispatch_uid="documents.refund_reversed")
