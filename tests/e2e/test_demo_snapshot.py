"""The `demo` fixture: every test gets the seeded demo back whole, whatever the tests before it changed.

No browser here, but the same session seeding as the browser tests.
"""

from typing import Any

import pytest

from invoicedesk.accounts.models import Membership, User
from invoicedesk.audit.models import AuditEntry
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.notifications.models import Notification
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction
from invoicedesk.refunds.models import Refund
from tests.e2e.seeding import dump_database

DEMO_MODELS = [User, Membership, BillingInvoice, PaymentLink, PaymentTransaction, Refund, AuditEntry, Notification]


@pytest.mark.usefixtures("demo")
def test_a_test_may_change_the_demo(demo_snapshot: list[dict[str, Any]]) -> None:
    Notification.objects.all().delete()
    PaymentLink.objects.filter(invoice__number="INV-2026-0001").update(status=PaymentLinkStatus.REFUNDED)
    User.objects.filter(email="operator@demo.test").update(is_active=False)
    BillingInvoice.objects.filter(number="INV-2026-0002").update(amount=1)
    assert dump_database() != demo_snapshot


@pytest.mark.usefixtures("demo")
def test_the_next_test_gets_the_seeded_demo_back(demo_snapshot: list[dict[str, Any]]) -> None:
    assert dump_database() == demo_snapshot
    seeded = {row["model"] for row in demo_snapshot}
    assert {model._meta.label_lower for model in DEMO_MODELS} <= seeded
    assert PaymentLink.objects.get(invoice__number="INV-2026-0001").status == PaymentLinkStatus.PAID
    assert Notification.objects.exists()
    assert User.objects.get(email="operator@demo.test").is_active
