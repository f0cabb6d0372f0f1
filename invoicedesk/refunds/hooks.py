"""What a refund's services call, explicitly, in the app above that owns the follow-up (core.hooks).

Each is called by the refunds service that records the event, inside its transaction and after its own writes
(history, audit), so whatever it queues commits with the event or not at all. `notifications` registers all four in
`NotificationsConfig.ready()`: the buyer's refund email and its correction, and the staff's approval emails.
The return invoice is not a hook: `refunds.outcomes` queues `documents`' task by name (core.named_tasks).
"""

from __future__ import annotations

from typing import Protocol

from invoicedesk.core.hooks import Hook
from invoicedesk.payments.models import PaymentLink

from .models import Refund


class RefundEvent(Protocol):
    def __call__(self, *, refund: Refund, link: PaymentLink) -> object: ...


# refunds.outcomes, when it records SUCCEEDED: the buyer's refund email is queued with the success.
refund_succeeded: Hook[RefundEvent] = Hook("refunds.refund_succeeded")
# refunds.outcomes, when a refund that had SUCCEEDED fails or is canceled: the buyer is corrected (or the notice
# that has not gone out yet never will).
refund_reversed: Hook[RefundEvent] = Hook("refunds.refund_reversed")
# refunds.services.refund_request, when the approval policy holds a refund: every approver but the requester asked.
refund_held: Hook[RefundEvent] = Hook("refunds.refund_held")
# refunds.approvals, when a held refund is rejected or expires: the requester is told.
refund_declined: Hook[RefundEvent] = Hook("refunds.refund_declined")
