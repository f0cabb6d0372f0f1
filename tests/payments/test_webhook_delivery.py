"""Webhooks for real: localstripe signs and delivers to the running test server; run_worker processes them."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob
from pytest_django.live_server_helper import LiveServer

from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.devtools.test_cards import pay_with_test_card
from invoicedesk.payments import services
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind
from invoicedesk.stripe_integration.models import StripeEvent
from tests import factories, worker
from tests.stripe_support import event_payload, payment_intent_object, signature_header


def wait_for(condition: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture
def webhooks_to_live_server(live_server: LiveServer, stripe_server: LocalStripe, settings: Any) -> Iterator[None]:
    stripe_server.register_webhook(
        name="invoicedesk-test", url=f"{live_server.url}/stripe/webhook/", secret=settings.STRIPE_WEBHOOK_SECRET
    )
    yield
    # localstripe cannot forget a webhook: point it where nobody listens, so later
    # tests' payments do not reach this server.
    stripe_server.register_webhook(name="invoicedesk-test", url="http://127.0.0.1:9/", secret="unused")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("webhooks_to_live_server")
def test_localstripe_delivers_a_signed_webhook_that_marks_the_link_paid() -> None:
    org = factories.organization()
    link = factories.invoice(org, amount=110_000).payment_link
    intent = services.payment_intent_for_link(link=link)
    # Pay without visiting the return page: only the webhook can record it.
    pay_with_test_card(payment_intent_id=intent.id, number="4242424242424242", exp_month=12, exp_year=2030, cvc="123")
    events = StripeEvent.objects.filter(type="payment_intent.succeeded", payload__data__object__id=intent.id)
    wait_for(events.exists)  # stored by the live server's intake, for a worker
    worker.run_worker()
    assert events.filter(processed_at__isnull=False).exists()
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID
    assert link.amount_paid == 110_000 and link.stripe_payment_intent_id == intent.id


@pytest.mark.django_db(transaction=True)
def test_the_worker_processes_stored_events(settings: Any) -> None:
    org = factories.organization()
    link = factories.invoice(org, amount=5_500).payment_link
    PaymentLink.objects.filter(pk=link.pk).update(stripe_payment_intent_id="pi_worker")
    obj = payment_intent_object(
        intent_id="pi_worker",
        amount=5_500,
        metadata={
            "payment_link_id": str(link.pk),
            "invoice_id": str(link.invoice_id),
            "organization_id": str(link.invoice.organization_id),
        },
    )
    payload = event_payload("payment_intent.succeeded", obj, event_id="evt_worker")
    response = Client().post(
        "/stripe/webhook/",
        payload,
        content_type="application/json",
        headers={"stripe-signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
    )
    assert response.status_code == 200
    # Stored and queued, not yet processed: the web request did no payment work itself.
    assert StripeEvent.objects.get().processed_at is None
    assert PaymentLink.objects.get(pk=link.pk).status == PaymentLinkStatus.UNPAID

    # No task row: the stored event is the work item, claimed from its own table by run_worker.
    assert not ProcrastinateJob.objects.exists()
    call_command("run_worker", "--batch", "--no-jobs")
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID
    assert StripeEvent.objects.get().processed_at is not None
    # A second worker run finds nothing to do and records nothing twice.
    call_command("run_worker", "--batch", "--no-jobs")
    assert link.transactions.filter(kind=TransactionKind.PAYMENT).count() == 1
