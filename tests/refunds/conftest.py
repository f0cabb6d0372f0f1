from __future__ import annotations

from collections.abc import Callable

import pytest

from invoicedesk.accounts.models import Membership, Organization, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.localstripe import LocalStripe
from invoicedesk.payments import services as payments
from invoicedesk.payments import stripe_gateway as gateway
from tests import factories


def pay_through_stripe(invoice: BillingInvoice) -> BillingInvoice:
    """Pay the invoice's link for real against localstripe, as the buyer's browser would."""
    link = invoice.payment_link
    intent = payments.payment_intent_for_link(link=link)
    intent = gateway.pay_with_test_card(
        payment_intent_id=intent.id, number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
    )
    payments.payment_record_intent(intent=intent)
    invoice.payment_link.refresh_from_db()
    return invoice


@pytest.fixture
def make_paid_invoice(org: Organization, stripe_server: LocalStripe) -> Callable[..., BillingInvoice]:
    def make(amount: int = 110_000, **fields: object) -> BillingInvoice:
        bill_to = factories.buyer(
            org,
            "Sakura Trading Co., Ltd.",
            contact_name="Haruka Sato",
            email="billing@sakura-trading.example",
            language="en",
        )
        return pay_through_stripe(factories.invoice(org, bill_to=bill_to, amount=amount, **fields))  # type: ignore[arg-type]

    return make


@pytest.fixture
def paid_invoice(make_paid_invoice: Callable[..., BillingInvoice]) -> BillingInvoice:
    return make_paid_invoice(number="INV-2026-0001")


@pytest.fixture
def operator_membership(operator: User) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user=operator)
