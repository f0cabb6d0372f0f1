"""Writes of billing that other apps follow up on."""

from __future__ import annotations

from invoicedesk.core.named_tasks import enqueue_named_with_work

from .models import Buyer


def buyer_registration_number_entered(buyer: Buyer) -> None:
    """Call in the transaction that saves a buyer's new registration number: the National Tax Agency registry's
    lookup of it (the accounting app's task, registered by name) is queued with that save and runs in a worker."""
    if buyer.invoice_registration_number:
        enqueue_named_with_work("accounting.registry_lookup", [buyer.invoice_registration_number])
