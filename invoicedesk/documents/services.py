from __future__ import annotations

from typing import Any

from invoicedesk.core.tasks import enqueue_with_work
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import Refund

from .tasks import issue_correction, issue_return_invoice


def on_refund_succeeded(sender: type[Refund], *, refund: Refund, link: PaymentLink, **kwargs: Any) -> None:
    """Receiver of refunds.signals.refund_succeeded: the document is issued by the worker after commit (the buyer
    email's delivery also makes sure of it, so the email never leaves without its document)."""
    enqueue_with_work(issue_return_invoice, refund.pk)


def on_refund_reversed(sender: type[Refund], *, refund: Refund, link: PaymentLink, **kwargs: Any) -> None:
    """Receiver of refunds.signals.refund_reversed: a correction cancels the return invoice, issued by the worker."""
    enqueue_with_work(issue_correction, refund.pk)
