import time

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from invoicedesk.accounts.models import Membership, Role
from invoicedesk.billing.models import BillingInvoice, PaymentMethod
from invoicedesk.billing.taxes import invoice_totals_by_rate
from invoicedesk.core.tax import registration_number_problem
from invoicedesk.devtools.demo import DEMO_PASSWORD, seed_demo
from invoicedesk.devtools.localstripe import ConnectDouble, LocalStripe
from invoicedesk.payments.models import ConnectedAccount, PaymentLink, PaymentLinkStatus, TransactionKind
from invoicedesk.stripe_integration import gateway

# Committed for real: refunds call Stripe when their transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_pays_through_stripe_and_is_idempotent(stripe_server: LocalStripe) -> None:
    started = time.monotonic()
    first = seed_demo()
    print(f"seed_demo took {time.monotonic() - started:.1f} s")
    count = BillingInvoice.objects.count()
    links = PaymentLink.objects.count()
    second = seed_demo()
    assert first.invoices_created == count >= 300
    assert second.invoices_created == 0
    assert BillingInvoice.objects.count() == count and PaymentLink.objects.count() == links

    inv = BillingInvoice.objects.get(organization=first.organization, number="INV-2026-0001")
    assert inv.buyer.company_name == "Sakura Trading Co., Ltd."
    assert inv.amount == 110_000 and inv.currency == "JPY"
    assert inv.payment_method == PaymentMethod.ONLINE_PAYMENT_LINK
    link = inv.payment_link
    assert link.status == PaymentLinkStatus.PAID and link.amount_paid == 110_000
    # Really paid: Stripe knows the PaymentIntent and says it succeeded.
    intent = gateway.retrieve_payment_intent(payment_intent_id=link.stripe_payment_intent_id)
    assert intent.succeeded and intent.amount_received == 110_000
    payment = link.transactions.get(kind=TransactionKind.PAYMENT)
    assert payment.stripe_reference == link.stripe_payment_intent_id

    # What a qualified return invoice needs: the seller's registration, and amounts per tax rate.
    assert registration_number_problem(first.organization.invoice_registration_number) is None
    assert [(t.rate, t.net, t.tax) for t in invoice_totals_by_rate(inv)] == [(10, 100_000, 10_000)]
    mixed = BillingInvoice.objects.get(organization=first.organization, number="INV-2026-0301")
    totals = invoice_totals_by_rate(mixed)
    assert [(t.rate, t.gross) for t in totals] == [(10, 55_000), (8, 54_000)]
    assert sum(t.gross for t in totals) == mixed.amount and mixed.payment_link.status == PaymentLinkStatus.PAID

    demo_invoices = BillingInvoice.objects.filter(organization=first.organization)
    assert set(demo_invoices.values_list("payment_method", flat=True)) == set(PaymentMethod.values)
    statuses = set(demo_invoices.exclude(payment_link=None).values_list("payment_link__status", flat=True))
    assert statuses == set(PaymentLinkStatus.values)
    # Refunded ones went through the refund procedure and Stripe.
    refunded = PaymentLink.objects.filter(
        invoice__organization=first.organization, status__in=["PARTIALLY_REFUNDED", "REFUNDED"]
    )
    assert refunded.exists()
    for refunded_link in refunded:
        (refund,) = refunded_link.refunds.all()
        assert refund.status == "SUCCEEDED" and refund.stripe_refund_id.startswith("re_")
        assert refunded_link.amount_refunded == refund.amount
    assert demo_invoices.filter(buyer__company_name__contains="株式会社").exists()

    for email, role in [
        ("admin@demo.test", Role.ADMIN),
        ("operator@demo.test", Role.OPERATOR),
        ("approver@demo.test", Role.APPROVER),
        ("viewer@demo.test", Role.VIEWER),
    ]:
        user = authenticate(RequestFactory().post("/accounts/login/"), username=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert Membership.objects.get(user=user).organization == first.organization
        assert Membership.objects.get(user=user).role == role

    # The second seller's contract was canceled after its payments, which recorded the contract.
    contract = first.other_organization.addon_contracts.get()
    assert contract.ends_at is not None
    paid = PaymentLink.objects.filter(invoice__organization=first.other_organization, status=PaymentLinkStatus.PAID)
    assert paid.exists()
    for other_link in paid:
        assert other_link.addon_contract == contract
        assert other_link.paid_at is not None and contract.is_valid_at(other_link.paid_at)


def test_make_runs_demo_puts_each_seller_on_its_own_connected_account(connect_double: ConnectDouble) -> None:
    """`make run` seeds through the Connect double: both sellers connect through the hosted onboarding, and each
    one's payments and refunds are on its own account, invisible to the other's."""
    started = time.monotonic()
    summary = seed_demo(connect_accounts=True)
    print(f"seed_demo(connect_accounts=True) took {time.monotonic() - started:.1f} s")
    demo, other = summary.organization, summary.other_organization
    demo.refresh_from_db()
    other.refresh_from_db()
    assert demo.stripe_account_id.startswith("acct_") and other.stripe_account_id.startswith("acct_")
    assert demo.stripe_account_id != other.stripe_account_id
    assert all(account.ready for account in ConnectedAccount.objects.all())
    assert ConnectedAccount.objects.count() == 2
    for organization in (demo, other):
        settled = PaymentLink.objects.filter(invoice__organization=organization, status__in=PaymentLinkStatus.settled())
        assert settled.exists()
        assert set(settled.values_list("stripe_account_id", flat=True)) == {organization.stripe_account_id}
    first = PaymentLink.objects.get(invoice__organization=demo, invoice__number="INV-2026-0001")
    intent = gateway.retrieve_payment_intent(
        payment_intent_id=first.stripe_payment_intent_id, stripe_account=demo.stripe_account_id
    )
    assert intent.succeeded and intent.amount_received == 110_000
    for elsewhere in (other.stripe_account_id, None):
        with pytest.raises(gateway.StripeGatewayError) as missing:
            gateway.retrieve_payment_intent(payment_intent_id=first.stripe_payment_intent_id, stripe_account=elsewhere)
        assert missing.value.http_status == 404
    refunded = PaymentLink.objects.filter(invoice__organization=demo, status=PaymentLinkStatus.REFUNDED).first()
    assert refunded is not None
    (refund,) = refunded.refunds.all()
    assert (
        gateway.list_refunds(
            payment_intent_id=refunded.stripe_payment_intent_id, stripe_account=demo.stripe_account_id
        )[0].id
        == refund.stripe_refund_id
    )
    # Run again (`make run` after `make run`): nothing connected twice.
    seed_demo(connect_accounts=True)
    assert ConnectedAccount.objects.count() == 2
