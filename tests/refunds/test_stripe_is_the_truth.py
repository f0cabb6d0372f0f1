"""Our records converge to Stripe's money, whatever order things happen in (issue: Stripe is the source of truth).

localstripe holds the money; `StripeLike` adds at the SDK boundary what localstripe lacks (idempotent replay,
over-refund refusal, refunds that fail later, lost answers); refund events are signed here as Stripe signs them.
"""

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import Membership
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import ServiceError
from invoicedesk.notifications.models import Notification, NotificationKind, NotificationStatus
from invoicedesk.payments.history import render_message
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind
from invoicedesk.refunds.models import Refund, RefundClassification, RefundSource, RefundStatus
from invoicedesk.refunds.recovery import refunds_recover
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway
from tests import worker
from tests.stripe_support import StripeLike, event_payload, signature_header, stripe_error, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_like(stripe_server: Any) -> Any:
    client = StripeLike()
    with stripe_http_client(client):
        yield client


def link_of(invoice: BillingInvoice) -> PaymentLink:
    return PaymentLink.objects.get(invoice=invoice)


def ask(invoice: BillingInvoice, amount: int, classification: str = RefundClassification.PARTIAL) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk,
        amount=amount,
        classification=RefundClassification(classification),
        idempotency_key=uuid.uuid4(),
    )


def deliver(settings: Any, event_type: str, obj: dict[str, Any], event_id: str | None = None) -> None:
    payload = event_payload(event_type, obj, event_id=event_id or f"evt_{uuid.uuid4().hex[:12]}")
    response = Client().post(
        "/stripe/webhook/",
        payload,
        content_type="application/json",
        headers={"stripe-signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
    )
    assert response.status_code == 200
    worker.run_worker()


def refunds_at_stripe(link: PaymentLink) -> list[gateway.RefundInfo]:
    return gateway.list_refunds(payment_intent_id=link.stripe_payment_intent_id)


def dashboard_refund(link: PaymentLink, amount: int) -> dict[str, Any]:
    """A refund made straight on Stripe (localstripe), as the Stripe Dashboard would: no metadata of ours."""
    refund = gateway.stripe_client().v1.refunds.create(params={"charge": link.stripe_charge_id, "amount": amount})
    return dict(refund.to_dict())


def age(refund: Refund, by: timedelta) -> None:
    Refund.objects.filter(pk=refund.pk).update(requested_at=refund.requested_at - by)


def test_a_dashboard_refund_is_recorded_and_the_rest_can_be_refunded_but_never_more(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike, settings: Any
) -> None:
    link = link_of(paid_invoice)
    made = dashboard_refund(link, 30_000)
    charge = {"id": link.stripe_charge_id, "object": "charge", "payment_intent": link.stripe_payment_intent_id}
    deliver(settings, "charge.refunded", charge)
    deliver(settings, "charge.refunded", charge)  # Stripe delivers twice: still one refund
    outside = Refund.objects.get()
    assert (outside.source, outside.status, outside.amount) == (
        RefundSource.STRIPE_DASHBOARD,
        RefundStatus.SUCCEEDED,
        30_000,
    )
    assert outside.stripe_refund_id == made["id"] and outside.requested_by is None
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PARTIALLY_REFUNDED and link.amount_refunded == 30_000
    assert refundable_amount(link).amount == 80_000
    assert Alert.objects.get().kind == AlertKind.REFUND_MADE_OUTSIDE
    assert len(mail.outbox) == 1  # the organization emails buyers about outside refunds (the default)
    history = [render_message(row) for row in link.transactions.filter(kind=TransactionKind.REFUND)]
    assert any("outside invoicedesk" in text for text in history)

    with pytest.raises(ServiceError, match="Refundable Amount of ¥80,000"):
        refund_request(actor=operator_membership, request=ask(paid_invoice, 110_000, RefundClassification.FULL))
    rest = refund_request(actor=operator_membership, request=ask(paid_invoice, 80_000, RefundClassification.FULL))
    rest.refresh_from_db()
    assert rest.status == RefundStatus.SUCCEEDED and rest.classification == RefundClassification.FULL
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.REFUNDED and link.amount_refunded == 110_000
    assert sum(r.amount for r in refunds_at_stripe(link)) == 110_000  # Stripe holds no over-refund


def test_timeout_then_409_then_recovery_ends_in_exactly_one_refund(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    in_use = stripe_error(
        409, "idempotency_key_in_use", "There is currently another in-progress request using this key."
    )
    stripe_like.refund_faults = [
        "timeout_after",  # Stripe refunded; we never heard
        *[in_use] * 3,  # the SDK retries a 409 twice by itself
        stripe_error(429, "rate_limit", "Too many requests."),
    ]
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 22_000))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING and refund.stripe_unconfirmed_since is not None
    link = link_of(paid_invoice)
    assert refundable_amount(link).amount == 88_000  # still reserved: an unknown outcome is no refusal

    age(refund, timedelta(minutes=2))
    for _ in range(2):  # 409, then 429: still unknown, still reserved, never FAILED
        refunds_recover()
        refund.refresh_from_db()
        assert refund.status == RefundStatus.PROCESSING
        assert refundable_amount(link_of(paid_invoice)).amount == 88_000
    report = refunds_recover()  # the same key again: Stripe replays the refund it made
    refund.refresh_from_db()
    assert report.retried == [refund.pk] and report.still_unknown == []
    assert refund.status == RefundStatus.SUCCEEDED and refund.stripe_attempts == 4  # first try, 409, 429, replay
    assert [r.amount for r in refunds_at_stripe(link)] == [22_000]  # one refund at Stripe
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PARTIALLY_REFUNDED and link.amount_refunded == 22_000
    assert len(mail.outbox) == 1


def test_past_the_key_retention_recovery_finds_our_refund_instead_of_making_another(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    stripe_like.refund_faults = ["timeout_after"]
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    stripe_like.replayed.clear()  # Stripe has forgotten the key
    day_ago = timezone.now() - timedelta(hours=25)
    Refund.objects.filter(pk=refund.pk).update(requested_at=day_ago, stripe_first_attempt_at=day_ago)
    posts = stripe_like.refund_posts
    refunds_recover()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert stripe_like.refund_posts == posts  # matched by our refund id in its metadata: nothing created
    assert [r.amount for r in refunds_at_stripe(link_of(paid_invoice))] == [10_000]


def test_past_the_key_retention_with_nothing_at_stripe_it_asks_once_under_a_new_key(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    stripe_like.refund_faults = ["timeout"]  # nothing reached Stripe
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    day_ago = timezone.now() - timedelta(hours=25)
    Refund.objects.filter(pk=refund.pk).update(requested_at=day_ago, stripe_first_attempt_at=day_ago)
    refunds_recover()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.stripe_key_generation == 1
    assert [r.amount for r in refunds_at_stripe(link_of(paid_invoice))] == [10_000]


@pytest.mark.parametrize(
    "answer",
    [
        stripe_error(500, "api_error", "Something went wrong on Stripe's end.", "api_error"),
        stripe_error(503, "api_error", "Service unavailable.", "api_error"),
        stripe_error(429, "lock_timeout", "This object cannot be accessed right now."),
        stripe_error(409, "idempotency_key_in_use", "Another request uses this key."),
        stripe_error(
            400,
            "idempotency_error",
            "Keys for idempotent requests can only be used with the same parameters.",
            "idempotency_error",
        ),
    ],
    ids=["500", "503", "429", "409", "key-reused"],
)
def test_answers_that_do_not_say_not_done_keep_the_amount_reserved(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike, answer: Any
) -> None:
    stripe_like.refund_faults = [answer] * 3  # the SDK retries 409 and 5xx itself: every attempt gets it
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 30_000))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING and refund.stripe_unconfirmed_since is not None
    assert refundable_amount(link_of(paid_invoice)).amount == 80_000


def test_stripes_clear_refusal_fails_the_refund_and_frees_the_amount(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    stripe_like.refund_faults = [
        stripe_error(400, "amount_too_large", "Refund amount is greater than unrefunded amount.")
    ]
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 30_000))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and refund.failure_code == "amount_too_large"
    assert refundable_amount(link_of(paid_invoice)).amount == 110_000


def test_a_refund_that_fails_after_success_gives_the_amount_back_and_corrects_the_buyer(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike, settings: Any
) -> None:
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 110_000, RefundClassification.FULL))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and link_of(paid_invoice).status == PaymentLinkStatus.REFUNDED
    assert len(mail.outbox) == 1

    stripe_like.later[refund.stripe_refund_id] = {"status": "failed", "failure_reason": "expired_or_canceled_card"}
    failed = {
        "id": refund.stripe_refund_id,
        "object": "refund",
        "status": "failed",
        "payment_intent": link_of(paid_invoice).stripe_payment_intent_id,
    }
    deliver(settings, "refund.failed", failed, event_id="evt_failed")
    deliver(settings, "refund.updated", failed)  # the same news again: nothing more happens
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and refund.failure_code == "expired_or_canceled_card"
    link = link_of(paid_invoice)
    assert link.status == PaymentLinkStatus.PAID and link.amount_refunded == 0
    assert refundable_amount(link).amount == 110_000
    assert Alert.objects.filter(kind=AlertKind.REFUND_FAILED_AFTER_SUCCESS).count() == 1
    correction = Notification.objects.get(kind=NotificationKind.REFUND_CORRECTION)
    assert correction.status == NotificationStatus.SENT
    assert len(mail.outbox) == 2 and "did not go through" in mail.outbox[1].subject
    assert any(
        "after it had succeeded" in render_message(row) and "expired_or_canceled_card" in render_message(row)
        for row in link.transactions.filter(kind=TransactionKind.REFUND_UPDATE)
    )


def test_events_in_any_order_and_before_the_payment_was_recorded_end_the_same(
    paid_invoice: BillingInvoice, stripe_like: StripeLike, settings: Any
) -> None:
    link = link_of(paid_invoice)
    # Our records do not know the payment yet (its webhook is late); Stripe has it, and a Dashboard refund.
    PaymentLink.objects.filter(pk=link.pk).update(
        status=PaymentLinkStatus.UNPAID, amount_paid=0, amount_refunded=0, paid_at=None
    )
    made = dashboard_refund(link, 5_000)
    stripe_like.later[made["id"]] = {"status": "failed", "failure_reason": "lost_or_stolen_card"}
    refund_obj = {**made, "status": "failed"}
    deliver(settings, "refund.updated", refund_obj)  # the later news first
    deliver(settings, "refund.created", {**made, "status": "succeeded"})  # then the stale copy
    deliver(settings, "charge.refunded", {"id": made["charge"], "object": "charge", "payment_intent": None})
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.PAID and link.amount_paid == 110_000  # the payment recorded first
    only = Refund.objects.get()
    assert only.status == RefundStatus.FAILED and only.source == RefundSource.STRIPE_DASHBOARD
    assert refundable_amount(link).amount == 110_000
    assert not mail.outbox  # it never succeeded: no email


def test_full_and_partial_are_what_is_true_when_refunds_succeed(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike, settings: Any
) -> None:
    settings.TASKS = worker.QUEUED_ONLY
    big = refund_request(actor=operator_membership, request=ask(paid_invoice, 80_000))
    small = refund_request(actor=operator_membership, request=ask(paid_invoice, 30_000, RefundClassification.FULL))
    assert (big.classification, small.classification) == (RefundClassification.PARTIAL, RefundClassification.FULL)
    from invoicedesk.refunds.outcomes import refund_execute

    refund_execute(refund_id=small.pk)  # Stripe finishes them the other way round
    refund_execute(refund_id=big.pk)
    small.refresh_from_db()
    big.refresh_from_db()
    assert small.classification == RefundClassification.PARTIAL
    assert big.classification == RefundClassification.FULL  # the one that emptied the payment
    facts = {n.refund_id: n.context for n in Notification.objects.all()}
    assert facts[small.pk]["classification"] == "PARTIAL" and facts[small.pk]["net_paid_after"] == 80_000
    assert facts[big.pk]["classification"] == "FULL" and facts[big.pk]["net_paid_after"] == 0
    assert json.dumps(facts)  # stored as plain facts
