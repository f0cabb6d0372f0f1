from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind
from invoicedesk.stripe_integration import gateway
from tests import factories
from tests.stripe_support import FaultyHTTPClient, stripe_http_client

pytestmark = pytest.mark.django_db

CARD = {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}


@pytest.fixture
def link(org: Any, stripe_server: LocalStripe) -> PaymentLink:
    bill_to = factories.buyer(org, "Sakura Trading Co., Ltd.", language="en")  # the pay page speaks the buyer's
    inv = factories.invoice(org, number="INV-2026-0001", bill_to=bill_to, amount=110_000)
    org.contact_email = "support@demo-seller.example"
    org.save()
    return inv.payment_link


def test_pay_page_shows_the_invoice_and_reuses_one_payment_intent(link: PaymentLink) -> None:
    buyer = Client()
    html = buyer.get(f"/pay/{link.token}/").content.decode()
    for text in [
        "Demo Seller Inc.",
        "INV-2026-0001",
        "¥110,000",
        "2026-05-01",
        "TEST MODE",
        "Pay ¥110,000",
        "support@demo-seller.example",
    ]:
        assert text in html, text
    link.refresh_from_db()
    first = link.stripe_payment_intent_id
    assert first.startswith("pi_")
    buyer.get(f"/pay/{link.token}/")
    link.refresh_from_db()
    assert link.stripe_payment_intent_id == first
    intent = gateway.retrieve_payment_intent(payment_intent_id=first)
    assert (intent.amount, intent.currency) == (110_000, "JPY")
    assert intent.metadata == {
        "organization_id": str(link.invoice.organization_id),
        "invoice_id": str(link.invoice_id),
        "invoice_number": "INV-2026-0001",
        "payment_link_id": str(link.pk),
    }


def test_paying_with_the_test_card_marks_the_link_paid(link: PaymentLink, org: Any) -> None:
    buyer = Client()
    buyer.get(f"/pay/{link.token}/")
    response = buyer.post(f"/pay/{link.token}/", CARD)
    assert response.status_code == 302 and response["Location"] == f"/pay/{link.token}/return/"
    html = buyer.get(response["Location"]).content.decode()
    assert "Payment received. Thank you." in html
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID
    assert link.amount_paid == 110_000 and link.paid_at is not None
    assert link.stripe_charge_id.startswith("ch_")
    assert link.addon_contract == org.addon_contracts.get()
    assert link.review_note == ""
    payment = link.transactions.get(kind=TransactionKind.PAYMENT)
    assert (payment.amount, payment.stripe_reference, payment.actor) == (
        110_000,
        link.stripe_payment_intent_id,
        "Stripe",
    )
    # Paying again takes no money: the page says it is paid.
    again = buyer.get(f"/pay/{link.token}/")
    assert again.status_code == 410 and "already been paid" in again.content.decode()
    # Reloading the return page records nothing twice.
    buyer.get(f"/pay/{link.token}/return/")
    assert link.transactions.filter(kind=TransactionKind.PAYMENT).count() == 1


def test_declined_card_shows_stripes_message_and_takes_nothing(link: PaymentLink) -> None:
    buyer = Client()
    response = buyer.post(f"/pay/{link.token}/", {**CARD, "number": "4000 0000 0000 0341"})
    assert response.status_code == 200
    assert "declined" in response.content.decode()
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.UNPAID and link.amount_paid == 0
    # The buyer can try again with another card.
    assert buyer.post(f"/pay/{link.token}/", CARD).status_code == 302
    link.refresh_from_db()
    # The return page is what records it; the webhook would too.
    buyer.get(f"/pay/{link.token}/return/")
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("number", "4242", "16 digits"), ("expiry", "13/30", "MM/YY"), ("cvc", "12", "3-digit")],
)
def test_bad_card_input_is_refused_next_to_the_field(link: PaymentLink, field: str, value: str, message: str) -> None:
    response = Client().post(f"/pay/{link.token}/", {**CARD, field: value})
    assert response.status_code == 200 and message in response.content.decode()
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.UNPAID


def test_expired_link_says_so_takes_no_money_and_becomes_expired(link: PaymentLink) -> None:
    PaymentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(f"/pay/{link.token}/", CARD)
    assert response.status_code == 410 and "expired" in response.content.decode()
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.EXPIRED and link.stripe_payment_intent_id == ""
    assert link.transactions.filter(kind=TransactionKind.LINK_EXPIRED).count() == 1


def test_canceled_contract_stops_payment(link: PaymentLink, org: Any) -> None:
    org.addon_contracts.update(ends_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(f"/pay/{link.token}/")
    assert response.status_code == 410
    assert "not available for this invoice" in response.content.decode()


def test_unknown_token_is_404(db: None) -> None:
    assert Client().get("/pay/not-a-real-token/").status_code == 404


def test_stripe_down_shows_a_friendly_message(link: PaymentLink) -> None:
    with stripe_http_client(FaultyHTTPClient(fail=lambda m, u: "timeout")):
        response = Client().get(f"/pay/{link.token}/")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
