"""Stripe events: stored once, dispatched after commit to the handlers their owning app registered."""

from typing import Any

import pytest
from django.test import Client

from invoicedesk.payments import webhooks as payment_webhooks
from invoicedesk.stripe_integration.dispatch import stripe_events_process_batch
from invoicedesk.stripe_integration.handlers import WebhookEvent, register_webhook_handler, webhook_handlers_for
from invoicedesk.stripe_integration.models import StripeEvent, StripeEventStatus
from tests import worker
from tests.stripe_support import event_payload, signature_header

pytestmark = pytest.mark.django_db(transaction=True)


def deliver(settings: Any, event_type: str, obj: dict[str, Any], event_id: str) -> int:
    payload = event_payload(event_type, obj, event_id=event_id)
    response = Client().post(
        "/stripe/webhook/",
        payload,
        content_type="application/json",
        headers={"stripe-signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
    )
    return response.status_code


def test_payments_registers_its_payment_intent_handlers() -> None:
    assert payment_webhooks.on_payment_intent_succeeded in webhook_handlers_for("payment_intent.succeeded")
    assert payment_webhooks.on_payment_intent_failed in webhook_handlers_for("payment_intent.payment_failed")


def test_an_event_no_app_handles_is_stored_and_marked_ignored(settings: Any) -> None:
    assert deliver(settings, "customer.created", {"id": "cus_1", "object": "customer"}, "evt_unknown") == 200
    worker.run_worker()
    event = StripeEvent.objects.get(stripe_id="evt_unknown")
    assert event.status == StripeEventStatus.IGNORED and event.processed_at is not None
    assert event.payload["data"]["object"]["id"] == "cus_1"


def test_a_failing_handler_marks_the_event_failed_and_a_rerun_completes_it(settings: Any) -> None:
    calls: list[str] = []

    def flaky(event: WebhookEvent) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("database went away")

    register_webhook_handler("test.flaky", flaky)
    assert deliver(settings, "test.flaky", {"id": "obj_1"}, "evt_flaky") == 200
    stored = StripeEvent.objects.get(stripe_id="evt_flaky")
    stripe_events_process_batch(event_pks=[stored.pk])
    stored.refresh_from_db()
    assert stored.status == StripeEventStatus.FAILED and "database went away" in stored.error
    stripe_events_process_batch(event_pks=[stored.pk])  # taken again (a worker would wait out its back-off)
    stripe_events_process_batch(event_pks=[stored.pk])  # done: not run again
    stored.refresh_from_db()
    assert stored.status == StripeEventStatus.PROCESSED
    assert calls == ["evt_flaky", "evt_flaky"]


def _stored_for_the_worker(settings: Any, event_type: str, count: int, prefix: str) -> list[int]:
    """Events delivered and not yet taken by a worker: stored RECEIVED, no job row (the row is the work)."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    for n in range(count):
        assert deliver(settings, event_type, {"id": f"obj_{n}"}, f"{prefix}_{n}") == 200
    assert not ProcrastinateJob.objects.exists()
    return list(StripeEvent.objects.filter(stripe_id__startswith=prefix).order_by("pk").values_list("pk", flat=True))


def test_a_repeated_delivery_is_stored_once_and_answered_as_a_duplicate(settings: Any) -> None:
    payload = event_payload("customer.created", {"id": "cus_r"}, event_id="evt_repeat")
    answers = [
        Client()
        .post(
            "/stripe/webhook/",
            payload,
            content_type="application/json",
            headers={"stripe-signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
        )
        .content
        for _ in range(2)
    ]
    assert answers == [b"ok", b"duplicate"]
    assert StripeEvent.objects.filter(stripe_id="evt_repeat").count() == 1


def test_workers_claim_waiting_events_in_batches_and_a_claim_is_a_lease(settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from invoicedesk.stripe_integration.services import _claim_due, stripe_events_drain

    pks = _stored_for_the_worker(settings, "customer.created", 5, "evt_batch")
    first = _claim_due(2)
    assert first == pks[:2]
    assert _claim_due(10) == pks[2:]  # another worker gets the rest, never the first one's
    assert _claim_due(10) == []  # all leased
    # The first worker died (kill -9) holding its two: nobody takes them until the lease is over.
    StripeEvent.objects.filter(pk__in=first).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert stripe_events_drain(10) == 2
    assert set(StripeEvent.objects.filter(pk__in=first).values_list("status", flat=True)) == {"IGNORED"}
    assert stripe_events_drain(10) == 0


def test_a_failing_event_in_a_batch_backs_off_and_the_rest_are_processed(settings: Any) -> None:
    from invoicedesk.stripe_integration.services import stripe_events_drain

    def broken(event: WebhookEvent) -> None:
        if event.id.endswith("_1"):
            raise RuntimeError("handler broke")

    register_webhook_handler("test.batch_flaky", broken)
    pks = _stored_for_the_worker(settings, "test.batch_flaky", 3, "evt_bflaky")
    assert stripe_events_drain(10) == 3
    statuses = dict(StripeEvent.objects.filter(pk__in=pks).values_list("stripe_id", "status"))
    assert statuses == {"evt_bflaky_0": "PROCESSED", "evt_bflaky_1": "FAILED", "evt_bflaky_2": "PROCESSED"}
    assert stripe_events_drain(10) == 0  # backing off, not retried at once


def test_a_batch_interrupted_midway_keeps_what_it_did_marked_and_leaves_the_rest_waiting(settings: Any) -> None:
    marked_by_the_13th: list[int] = []

    def stopping_at_15(event: WebhookEvent) -> None:
        if event.id.endswith("_12"):
            marked_by_the_13th.append(StripeEvent.objects.filter(status=StripeEventStatus.PROCESSED).count())
        if event.id.endswith("_15"):
            raise SystemExit(0)  # the worker stops here (not a failure of the event)

    register_webhook_handler("test.batch_stop", stopping_at_15)
    pks = _stored_for_the_worker(settings, "test.batch_stop", 20, "evt_bstop")
    with pytest.raises(SystemExit):
        stripe_events_process_batch(event_pks=pks)
    statuses = dict(StripeEvent.objects.filter(pk__in=pks).values_list("stripe_id", "status"))
    assert marked_by_the_13th == [10]  # the first ten were marked as a group, on the way
    # ... and the five after them on the way out; the rest wait for another turn.
    assert {stripe_id for stripe_id, status in statuses.items() if status == "PROCESSED"} == {
        f"evt_bstop_{n}" for n in range(15)
    }
    assert {statuses[f"evt_bstop_{n}"] for n in range(15, 20)} == {"RECEIVED"}


def test_the_tests_worker_fails_the_test_when_an_event_it_ran_failed(settings: Any) -> None:
    """Production logs a failed event and goes on; in a test that would make "nothing happened" pass on a crash."""

    def broken(event: WebhookEvent) -> None:
        raise RuntimeError("handler broke")

    register_webhook_handler("test.harness_broken", broken)
    assert deliver(settings, "test.harness_broken", {"id": "obj_1"}, "evt_harness") == 200
    with pytest.raises(worker.WorkFailed, match="evt_harness"):
        worker.run_worker()
