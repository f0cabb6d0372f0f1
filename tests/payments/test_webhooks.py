import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.history import render_message
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind
from invoicedesk.stripe_integration.models import StripeEvent
from tests import factories, worker
from tests.stripe_support import event_payload, payment_intent_object, signature_header, through_wsgi

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_webhooks"


@pytest.fixture(autouse=True)
def _webhook_secret(settings: Any) -> None:
    settings.STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def link(org: Organization) -> PaymentLink:
    inv = factories.invoice(org, number="INV-2026-0001", amount=110_000)
    PaymentLink.objects.filter(pk=inv.payment_link.pk).update(stripe_payment_intent_id="pi_test_1")
    return PaymentLink.objects.get(pk=inv.payment_link.pk)


def succeeded(link: PaymentLink, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "intent_id": "pi_test_1",
        "amount": 110_000,
        "metadata": {
            "payment_link_id": str(link.pk),
            "invoice_id": str(link.invoice_id),
            "organization_id": str(link.invoice.organization_id),
        },
    }
    params.update(overrides)
    return payment_intent_object(**params)


@pytest.fixture(params=["wsgi", "django"])
def deliver(request: pytest.FixtureRequest, client: Client) -> Callable[..., Any]:
    """Each test runs twice: through the production WSGI application, which answers webhooks before Django's
    request cycle (stripe_integration.intake), and through Django's view (the test client, a development server)."""

    def _deliver(
        event_type: str,
        obj: dict[str, Any],
        *,
        event_id: str = "evt_1",
        secret: str = SECRET,
        timestamp: int | None = None,
        header: str | None = None,
    ) -> Any:
        payload = event_payload(event_type, obj, event_id=event_id)
        signature = header if header is not None else signature_header(payload, secret, timestamp=timestamp)
        headers = {"stripe-signature": signature} if signature else {}
        response: Any
        if request.param == "wsgi":
            response = through_wsgi("POST", "/stripe/webhook/", payload, headers)
        else:
            response = client.post("/stripe/webhook/", payload, content_type="application/json", headers=headers)
        worker.run_worker()  # the stored event, taken as a worker takes it
        return response

    return _deliver


def test_payment_succeeded_marks_the_link_paid(deliver: Callable[..., Any], link: PaymentLink) -> None:
    response = deliver("payment_intent.succeeded", succeeded(link))
    assert response.status_code == 200
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID
    assert (link.amount_paid, link.stripe_charge_id) == (110_000, "ch_test_1")
    assert link.addon_contract is not None and link.review_note == ""
    event = StripeEvent.objects.get()
    assert event.stripe_id == "evt_1" and event.processed_at is not None and event.error == ""


@pytest.mark.parametrize(
    ("header", "secret", "age"),
    [("", SECRET, 0), ("t=1,v1=deadbeef", SECRET, 0), (None, "whsec_forged", 0), (None, SECRET, 3600)],
    ids=["missing", "garbage", "forged", "stale"],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(
    deliver: Callable[..., Any], link: PaymentLink, header: str | None, secret: str, age: int
) -> None:
    response = deliver(
        "payment_intent.succeeded", succeeded(link), secret=secret, timestamp=int(time.time()) - age, header=header
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.UNPAID


def test_a_repeated_event_is_acknowledged_and_ignored(deliver: Callable[..., Any], link: PaymentLink) -> None:
    assert deliver("payment_intent.succeeded", succeeded(link)).content == b"ok"
    assert deliver("payment_intent.succeeded", succeeded(link)).content == b"duplicate"
    assert StripeEvent.objects.count() == 1
    assert link.transactions.filter(kind=TransactionKind.PAYMENT).count() == 1


def test_the_same_payment_in_two_events_is_recorded_once(deliver: Callable[..., Any], link: PaymentLink) -> None:
    deliver("payment_intent.succeeded", succeeded(link), event_id="evt_1")
    deliver("payment_intent.succeeded", succeeded(link), event_id="evt_2")
    assert StripeEvent.objects.count() == 2
    assert link.transactions.filter(kind=TransactionKind.PAYMENT).count() == 1


def test_failure_after_success_does_not_undo_the_payment(deliver: Callable[..., Any], link: PaymentLink) -> None:
    # Out of order: the success is already recorded when an earlier failure arrives.
    deliver("payment_intent.succeeded", succeeded(link), event_id="evt_2")
    deliver(
        "payment_intent.payment_failed",
        succeeded(link, status="requires_payment_method", error="Your card was declined."),
        event_id="evt_1",
    )
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID
    failed = link.transactions.get(kind=TransactionKind.PAYMENT_FAILED)
    assert render_message(failed) == "Your card was declined." and failed.actor == "Stripe"


def test_a_different_amount_is_recorded_and_flagged(deliver: Callable[..., Any], link: PaymentLink) -> None:
    deliver("payment_intent.succeeded", succeeded(link, amount_received=100_000))
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID and link.amount_paid == 100_000
    assert "Stripe received ¥100,000 but ¥110,000 was due." in link.review_note
    alert = Alert.objects.get(kind=AlertKind.PAYMENT_DIFFERS)
    assert alert.invoice_id == link.invoice_id and alert.amount == 100_000


def test_the_payment_keeps_the_currency_stripe_charged(
    deliver: Callable[..., Any], link: PaymentLink, operator: Any
) -> None:
    from invoicedesk.refunds.selectors import refundable_amount
    from invoicedesk.refunds.services import refund_quote

    deliver("payment_intent.succeeded", succeeded(link, amount=1_000, currency="usd"))
    link.refresh_from_db()
    assert (link.paid_currency, link.currency, link.paid.format()) == ("USD", "USD", "$10.00")
    assert Alert.objects.get(kind=AlertKind.PAYMENT_DIFFERS).amount == 1_000
    payment = link.transactions.get(kind=TransactionKind.PAYMENT)
    assert payment.money is not None and payment.money.format() == "$10.00"  # the history says what Stripe charged, too
    # A later change of the invoice (by any path) does not change what Stripe holds or what a refund returns.
    BillingInvoice.objects.filter(pk=link.invoice_id).update(currency="EUR")
    link = PaymentLink.objects.get(pk=link.pk)
    assert refundable_amount(link).format() == "$10.00"
    membership = operator.memberships.get()
    quote = refund_quote(actor=membership, invoice_id=link.invoice_id, amount=1_000, classification="FULL")
    assert quote.refund.format() == "$10.00"


def test_payment_after_cancellation_is_recorded_and_flagged(deliver: Callable[..., Any], link: PaymentLink) -> None:
    PaymentLink.objects.filter(pk=link.pk).update(status=PaymentLinkStatus.CANCELED)
    deliver("payment_intent.succeeded", succeeded(link))
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID
    assert "after the link was CANCELED" in link.review_note


def test_payment_settled_without_a_valid_contract_is_flagged(
    deliver: Callable[..., Any], link: PaymentLink, org: Organization
) -> None:
    org.addon_contracts.all().delete()
    deliver("payment_intent.succeeded", succeeded(link))
    link.refresh_from_db()
    assert link.addon_contract is None
    assert "No Stripe Credit Card Payment Add-on contract was valid" in link.review_note


def test_metadata_pointing_at_another_invoice_is_not_trusted(
    deliver: Callable[..., Any], link: PaymentLink, other_org: Organization
) -> None:
    foreign = factories.invoice(other_org).payment_link
    deliver(
        "payment_intent.succeeded",
        succeeded(link, intent_id="pi_other", metadata={"payment_link_id": str(foreign.pk), "invoice_id": "0"}),
    )
    foreign.refresh_from_db()
    assert foreign.status == PaymentLinkStatus.UNPAID


def test_metadata_naming_another_organizations_invoice_exactly_is_not_trusted(
    deliver: Callable[..., Any], link: PaymentLink, other_org: Organization
) -> None:
    # Another seller's Stripe account can write any metadata, even ids that hang together.
    foreign = factories.invoice(other_org).payment_link
    forged = {"payment_link_id": str(foreign.pk), "invoice_id": str(foreign.invoice_id), "organization_id": "999"}
    deliver("payment_intent.succeeded", succeeded(link, intent_id="pi_forged", metadata=forged))
    foreign.refresh_from_db()
    assert foreign.status == PaymentLinkStatus.UNPAID


def test_unknown_event_types_are_acknowledged_and_ignored(deliver: Callable[..., Any], link: PaymentLink) -> None:
    response = deliver("customer.created", {"id": "cus_1", "object": "customer"})
    assert response.status_code == 200
    assert StripeEvent.objects.get().processed_at is not None
    assert not PaymentTransaction.objects.exclude(kind=TransactionKind.LINK_ISSUED).exists()


def test_a_connected_sellers_payment_naming_another_sellers_link_exactly_is_not_trusted(
    settings: Any, client: Client, link: PaymentLink
) -> None:
    """Every id in the metadata hangs together; only the account the PaymentIntent lives on is not the link's: a
    seller on a connected account cannot pay (mark PAID) another seller's invoice by copying its ids."""
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_test_connect"
    intent = succeeded(link, intent_id="pi_on_seller_b")
    event = {**json.loads(event_payload("payment_intent.succeeded", intent, event_id="evt_b")), "account": "acct_b"}
    payload = json.dumps(event).encode()
    headers = {"stripe-signature": signature_header(payload, "whsec_test_connect")}
    response = client.post("/stripe/connect-webhook/", payload, content_type="application/json", headers=headers)
    assert response.status_code == 200
    worker.run_worker()
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.UNPAID

    # The same intent on the account the link's payments go to (here the platform's) is the link's payment.
    payload = event_payload("payment_intent.succeeded", intent, event_id="evt_platform")
    headers = {"stripe-signature": signature_header(payload, SECRET)}
    client.post("/stripe/webhook/", payload, content_type="application/json", headers=headers)
    worker.run_worker()
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID
