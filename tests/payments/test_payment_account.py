"""A payment stays on the Stripe account its PaymentIntent was made on (issue 20, item 3): refunds and checks of
it carry that account, even after the organization connects its own."""

import uuid
from typing import Any

import pytest

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories
from tests.stripe_support import StripeLike, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)


class AccountsSeen(StripeLike):
    """Records the Stripe-Account header of each request (localstripe itself ignores it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen: list[tuple[str, str, str | None]] = []

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        self.seen.append((method, url.split("?")[0].split("/v1/")[-1], (headers or {}).get("Stripe-Account")))
        return super().request(method, url, headers, post_data, **kwargs)


@pytest.fixture
def accounts_seen(stripe_server: Any) -> Any:
    client = AccountsSeen()
    with stripe_http_client(client):
        yield client


def test_a_payment_made_before_the_organization_connected_is_refunded_on_the_platforms_account(
    paid_invoice: BillingInvoice, operator_membership: Membership, org: Organization, accounts_seen: AccountsSeen
) -> None:
    link = PaymentLink.objects.get(invoice=paid_invoice)
    assert link.stripe_account_id == "" and link.stripe_account is None
    Organization.objects.filter(pk=org.pk).update(stripe_account_id="acct_connected_later")
    refund = refund_request(
        actor=Membership.objects.select_related("organization", "user").get(pk=operator_membership.pk),
        request=RefundInput(
            invoice_id=paid_invoice.pk,
            amount=1000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    refund_calls = [seen for seen in accounts_seen.seen if seen[1] == "refunds" and seen[0] == "post"]
    assert refund_calls and all(account is None for _, _, account in refund_calls)


def test_a_payment_made_after_connecting_carries_its_account(
    org: Organization, stripe_server: Any, accounts_seen: AccountsSeen
) -> None:
    Organization.objects.filter(pk=org.pk).update(stripe_account_id="acct_seller")
    org.refresh_from_db()
    invoice = factories.pay_through_stripe(factories.invoice(org, amount=5000))
    link = PaymentLink.objects.get(invoice=invoice)
    assert link.stripe_account_id == "acct_seller" and link.stripe_account == "acct_seller"
    intents = [seen for seen in accounts_seen.seen if seen[:2] == ("post", "payment_intents")]
    assert intents and all(account == "acct_seller" for _, _, account in intents)
