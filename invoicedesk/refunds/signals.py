"""What refunds tell the apps above them, without importing them.

`refund_succeeded` is sent inside the transaction that records a refund as
SUCCEEDED (arguments: refund, link); receivers write in that same transaction
(notifications queues the buyer's email there) and defer side effects until it commits.
"""

from django.dispatch import Signal

refund_succeeded = Signal()
# Sent inside the transaction that records a refund failed or canceled after it had SUCCEEDED (refund, link).
refund_reversed = Signal()
# Sent inside the transaction that holds a refund for approval (refund, link), and the one that rejects it or lets
# it expire (refund, link): the approvers and the requester are told.
refund_held = Signal()
refund_declined = Signal()
