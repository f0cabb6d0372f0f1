"""A registration number entered (an organization's own, a buyer's) is queued for its registry lookup.

Receivers of post_save, so every path that enters a number (settings, admin, demo data, imports) is covered; they
only queue the task with the save's transaction (core.tasks.enqueue_with_work), the registry is asked by a worker.
"""

from __future__ import annotations

from typing import Any

from invoicedesk.accounts.models import Organization
from invoicedesk.billing.models import Buyer
from invoicedesk.core.tasks import enqueue_with_work

from .models import RegistryRecord, RegistryStatus
from .registry import check_enabled
from .tasks import registry_lookup


def _queue_lookup(number: str) -> None:
    if not number or not check_enabled():
        return
    answered = RegistryRecord.objects.filter(
        number=number, status__in=[RegistryStatus.FOUND, RegistryStatus.UNKNOWN]
    ).exists()
    if not answered:
        # Known numbers are kept current by the nightly diff; a new one is asked about now.
        enqueue_with_work(registry_lookup, [number])


def organization_saved(sender: type[Organization], instance: Organization, **kwargs: Any) -> None:
    _queue_lookup(instance.invoice_registration_number)


def buyer_saved(sender: type[Buyer], instance: Buyer, **kwargs: Any) -> None:
    _queue_lookup(instance.invoice_registration_number)
