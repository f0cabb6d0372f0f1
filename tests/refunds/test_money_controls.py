"""Internal control over the whole payment and the person, not the one request: approval thresholds that cannot be
split, a per-person daily limit, stale forms refused (`payment_changed`), repeats asked for (`possible_duplicate`)."""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import hypothesis
import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.utils import timezone
from hypothesis import strategies as st

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization, Role
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import ErrorCode, ServiceError
from invoicedesk.refunds.approvals import refund_approve, refund_reject
from invoicedesk.refunds.controls import payment_state
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.outcomes import refund_apply_stripe_refund, refund_record_stripe_refund
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway
from tests import factories
from tests.api.conftest import ApiClient, key_for, paid_invoice_without_stripe
from tests.http import refund_form_fields

pytestmark = pytest.mark.django_db


def _policy(org: Organization, *, amount: int | None = None, percent: int | None = None, **fields: Any) -> None:
    org.refund_approval_policy = ApprovalPolicy.ABOVE
    org.refund_approval_threshold_amount = amount
    org.refund_approval_threshold_percent = percent
    for name, value in fields.items():
        setattr(org, name, value)
    org.save()


def _membership(user: Any) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user=user)


def _ask(member: Membership, invoice: BillingInvoice, amount: int, **fields: Any) -> Refund:
    fields.setdefault("classification", RefundClassification.PARTIAL)
    return refund_request(
        actor=member,
        request=RefundInput(invoice_id=invoice.pk, amount=amount, idempotency_key=uuid.uuid4(), **fields),
    )


def _succeed(refund: Refund) -> None:
    info = gateway.RefundInfo(
        id=f"re_test_{refund.pk}",
        status="succeeded",
        amount=refund.amount,
        currency=refund.currency,
        payment_intent_id=refund.payment_link.stripe_payment_intent_id,
        failure_reason=None,
    )
    refund_apply_stripe_refund(refund_id=refund.pk, info=info)


def _all_at_once(requests: list[Callable[[], Refund]]) -> list[str]:
    """Run the requests in threads of their own, released together; each one's refund status or error."""
    barrier = threading.Barrier(len(requests))
    outcomes: list[str] = []

    def run(request: Callable[[], Refund]) -> None:
        try:
            barrier.wait()
            outcomes.append(request().status)
        except Exception as error:  # a deadlock or any surprise shows in the assertion
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# ---------------------------------------------------------------- approval over the whole payment


def test_a_threshold_cannot_be_split_into_smaller_refunds(org: Organization) -> None:
    _policy(org, amount=50_000)
    operator = _membership(factories.member(org, Role.OPERATOR, email="operator@example.test"))
    invoice = paid_invoice_without_stripe(org, amount=165_000, number="INV-2026-0010")
    first = _ask(operator, invoice, 49_999)
    assert first.status == RefundStatus.PROCESSING and first.hold_reasons == []
    _succeed(first)
    second = _ask(operator, invoice, 49_999, confirm_repeat=True)
    assert second.status == RefundStatus.PENDING_APPROVAL
    assert second.hold_reasons == [
        {"code": "payment_amount", "currency": "JPY", "returned": 99_998, "paid": 165_000, "threshold": 50_000}
    ]
    # Whatever its own size, every later request waits too: the payment has passed the threshold.
    third = _ask(operator, invoice, 1)
    assert third.status == RefundStatus.PENDING_APPROVAL


def test_a_share_of_the_payment_is_judged_on_what_it_will_have_returned(org: Organization) -> None:
    _policy(org, percent=50)
    operator = _membership(factories.member(org))
    invoice = paid_invoice_without_stripe(org, amount=330_000)
    assert _ask(operator, invoice, 160_000).status == RefundStatus.PROCESSING
    second = _ask(operator, invoice, 160_000, confirm_repeat=True)
    assert second.status == RefundStatus.PENDING_APPROVAL
    assert second.hold_reasons[0]["code"] == "payment_share" and second.hold_reasons[0]["share"] == 96


def test_held_and_in_flight_refunds_count_towards_the_threshold(org: Organization) -> None:
    _policy(org, amount=50_000)
    operator = _membership(factories.member(org))
    invoice = paid_invoice_without_stripe(org, amount=165_000)
    held = _ask(operator, invoice, 60_000)
    assert held.status == RefundStatus.PENDING_APPROVAL
    # 60,000 held + 10,000: the payment would have returned 70,000.
    assert _ask(operator, invoice, 10_000).status == RefundStatus.PENDING_APPROVAL


def test_the_api_answer_says_why_the_refund_waits(org: Organization) -> None:
    _policy(org, amount=50_000)
    api = ApiClient(key_for(factories.member(org), org))
    invoice = paid_invoice_without_stripe(org, amount=165_000)
    body = {"invoice_id": invoice.pk, "amount": 49_999, "currency": "JPY", "classification": "PARTIAL"}
    assert api.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="a").json()["status"] == "PROCESSING"
    held = api.post("/refunds", {**body, "confirm_repeat": True}, HTTP_IDEMPOTENCY_KEY="b")
    assert held.status_code == 201 and held.json()["status"] == "PENDING_APPROVAL"
    assert held.json()["hold_reasons"] == [
        {
            "code": "payment_amount",
            "message": "With this refund ¥99,998 of ¥165,000 will have been returned: at or above the "
            "organization's ¥50,000 approval threshold.",
        }
    ]


def test_the_confirmation_step_says_the_refund_will_wait_and_why(org: Organization, login: Any) -> None:
    _policy(org, amount=50_000)
    client = login(factories.member(org))
    invoice = paid_invoice_without_stripe(org, amount=165_000)
    Refund.objects.create(
        organization=org,
        payment_link=invoice.payment_link,
        amount=40_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.SUCCEEDED,
    )
    fields = {"classification": "PARTIAL", "amount": "20000", **refund_form_fields(client, invoice.pk)}
    html = client.post(f"/billing/invoices/{invoice.pk}/refund/", {**fields, "step": "confirm"}).content.decode()
    assert 'data-testid="needs-approval"' in html
    assert "With this refund ¥60,000 of ¥165,000 will have been returned" in html


def test_approval_rechecks_the_money_and_the_approver_sees_why_it_waits(org: Organization, login: Any) -> None:
    _policy(org, amount=50_000)
    operator = _membership(factories.member(org))
    approver_user = factories.member(org, Role.APPROVER)
    invoice = paid_invoice_without_stripe(org, amount=165_000)
    held = _ask(operator, invoice, 120_000)
    page = login(approver_user).get(f"/approvals/{held.pk}/").content.decode()
    assert "With this refund ¥120,000 of ¥165,000 will have been returned" in page
    # A Dashboard refund of 50,000 meanwhile leaves 165,000 − 50,000 = 115,000 for this one: too little.
    dashboard = gateway.RefundInfo(
        id="re_dashboard_2",
        status="succeeded",
        amount=50_000,
        currency="JPY",
        payment_intent_id=invoice.payment_link.stripe_payment_intent_id,
        failure_reason=None,
    )
    refund_record_stripe_refund(info=dashboard, link_id=invoice.payment_link.pk)
    with pytest.raises(ServiceError) as refused:
        refund_approve(actor=_membership(approver_user), refund_id=held.pk)
    assert refused.value.code is ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE


# ---------------------------------------------------------------- per person, per day


def test_a_daily_limit_per_person_holds_what_goes_past_it(org: Organization) -> None:
    _policy(org, amount=1_000_000, refund_daily_limit_per_person=30_000)
    alice = _membership(factories.member(org))
    bob = _membership(factories.member(org))
    approver = _membership(factories.member(org, Role.APPROVER))
    first, second, third = (paid_invoice_without_stripe(org) for _ in range(3))
    assert _ask(alice, first, 20_000).status == RefundStatus.PROCESSING
    past = _ask(alice, second, 20_000)
    assert past.status == RefundStatus.PENDING_APPROVAL
    assert past.hold_reasons == [{"code": "daily_limit", "currency": "JPY", "today": 40_000, "limit": 30_000}]
    # Another person's day is their own; an approved refund was seen by a second person and does not count.
    assert _ask(bob, second, 30_000).status == RefundStatus.PROCESSING
    refund_approve(actor=approver, refund_id=past.pk)
    assert _ask(alice, third, 10_000).status == RefundStatus.PROCESSING
    # 20,000 + 10,000 is the limit itself; one yen more waits. Tomorrow starts again.
    assert _ask(alice, third, 1).status == RefundStatus.PENDING_APPROVAL
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert _ask(alice, third, 25_000).status == RefundStatus.PROCESSING


def test_the_policy_always_holds_every_refund(org: Organization) -> None:
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    refund = _ask(_membership(factories.member(org)), paid_invoice_without_stripe(org), 1)
    assert refund.status == RefundStatus.PENDING_APPROVAL and refund.hold_reasons[0]["code"] == "always"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rule", ["amount", "share"])
def test_a_split_threshold_holds_in_parallel(rule: str, settings: Any) -> None:
    """Four requests at once under the payment's row lock: at most what stays under the threshold goes."""
    settings.TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}  # recorded, not executed
    org = factories.organization()
    _policy(org, **({"amount": 50_000} if rule == "amount" else {"percent": 30}))
    members = [_membership(factories.member(org)) for _ in range(4)]
    invoice = paid_invoice_without_stripe(org, amount=165_000)
    outcomes = _all_at_once([partial(_ask, member, invoice, 40_000, confirm_repeat=True) for member in members])
    assert Counter(outcomes) == {RefundStatus.PROCESSING: 1, RefundStatus.PENDING_APPROVAL: 3}, outcomes


@pytest.mark.django_db(transaction=True)
def test_a_daily_limit_holds_one_persons_refunds_on_several_payments_at_once(settings: Any) -> None:
    """The limit is the person's, across payments: their requests at once on four payments (four link locks) are
    weighed one after another under their membership's lock, so only what fits goes without an approver."""
    settings.TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}  # recorded, not executed
    org = factories.organization()
    _policy(org, amount=10_000_000, refund_daily_limit_per_person=30_000)
    operator = _membership(factories.member(org))
    invoices = [paid_invoice_without_stripe(org) for _ in range(4)]
    outcomes = _all_at_once([partial(_ask, operator, invoice, 20_000) for invoice in invoices])
    assert Counter(outcomes) == {RefundStatus.PROCESSING: 1, RefundStatus.PENDING_APPROVAL: 3}, outcomes


# ---------------------------------------------------------------- stale forms


def test_a_form_opened_before_another_refund_is_refused_naming_it(org: Organization, login: Any) -> None:
    user = factories.member(org, email="operator@example.test")
    client = login(user)
    invoice = paid_invoice_without_stripe(org, amount=110_000)
    url = f"/billing/invoices/{invoice.pk}/refund/"
    tab_a = {"classification": "PARTIAL", "amount": "22000", **refund_form_fields(client, invoice.pk)}
    tab_b = {"classification": "PARTIAL", "amount": "22000", **refund_form_fields(client, invoice.pk)}
    assert client.post(url, {**tab_a, "step": "execute"}).status_code == 302

    stale = client.post(url, {**tab_b, "step": "execute"}, headers={"HX-Request": "true"})
    html = stale.content.decode()
    assert stale.status_code == 200 and Refund.objects.count() == 1
    assert "This payment changed after the form was opened: a refund of ¥22,000 was requested at" in html
    assert "by operator@example.test" in html and "The Refundable Amount is now ¥88,000." in html
    # The form comes back with today's figures, to be confirmed again.
    fresh_state = re.search(r'name="payment_state" value="([^"]+)"', html)
    assert fresh_state and fresh_state[1] == payment_state(invoice.payment_link)
    assert 'data-testid="modal-refundable">¥88,000' in html
    again = {**tab_b, "payment_state": fresh_state[1], "shown_refundable": "88000", "confirm_repeat": "on"}
    assert client.post(url, {**again, "step": "execute"}).status_code == 302
    assert Refund.objects.count() == 2


def test_a_double_click_is_still_one_refund_not_a_changed_payment(org: Organization, login: Any) -> None:
    client = login(factories.member(org))
    invoice = paid_invoice_without_stripe(org)
    form = {"classification": "PARTIAL", "amount": "5000", **refund_form_fields(client, invoice.pk), "step": "execute"}
    url = f"/billing/invoices/{invoice.pk}/refund/"
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert Refund.objects.count() == 1


def test_the_preview_says_at_once_that_the_payment_changed(org: Organization, login: Any) -> None:
    client = login(factories.member(org))
    invoice = paid_invoice_without_stripe(org)
    form = {"classification": "PARTIAL", "amount": "5000", **refund_form_fields(client, invoice.pk)}
    _ask(_membership(factories.member(org)), invoice, 7_000)
    preview = client.post(f"/billing/invoices/{invoice.pk}/refund/preview/", form).content.decode()
    assert "This payment changed after the form was opened" in preview and "¥7,000" in preview


def test_the_api_refuses_a_refund_decided_on_a_payment_that_changed(org: Organization) -> None:
    api = ApiClient(key_for(factories.member(org), org))
    invoice = paid_invoice_without_stripe(org, amount=110_000)
    detail = api.get(f"/invoices/{invoice.pk}")
    etag = detail["ETag"]
    assert detail.json()["payment_state"] == etag.strip('"') and detail["Cache-Control"] == "private, no-store"
    body = {"invoice_id": invoice.pk, "amount": 22_000, "currency": "JPY", "classification": "PARTIAL"}
    assert api.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="one", HTTP_IF_MATCH=etag).status_code == 201

    stale = api.post("/refunds", {**body, "amount": 1_000}, HTTP_IDEMPOTENCY_KEY="two", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "payment_changed"
    assert "¥22,000" in stale.json()["message"] and stale.json()["details"]["refundable"]["amount"] == 88_000
    expected = api.post(
        "/refunds", {**body, "amount": 1_000, "expected_refundable": 110_000}, HTTP_IDEMPOTENCY_KEY="three"
    )
    assert expected.status_code == 412 and expected.json()["field"] == "expected_refundable"
    fresh = api.get(f"/invoices/{invoice.pk}")["ETag"]
    ok = api.post(
        "/refunds",
        {**body, "amount": 1_000, "expected_refundable": 88_000},
        HTTP_IDEMPOTENCY_KEY="four",
        HTTP_IF_MATCH=fresh,
    )
    assert ok.status_code == 201 and Refund.objects.count() == 2


# ---------------------------------------------------------------- repeats


def test_the_same_amount_again_within_a_day_must_be_asked_for(org: Organization, login: Any) -> None:
    user = factories.member(org, email="operator@example.test")
    client = login(user)
    invoice = paid_invoice_without_stripe(org)
    url = f"/billing/invoices/{invoice.pk}/refund/"
    first = {"classification": "PARTIAL", "amount": "22000", **refund_form_fields(client, invoice.pk)}
    assert client.post(url, {**first, "step": "execute"}).status_code == 302

    second = {"classification": "PARTIAL", "amount": "22,000", **refund_form_fields(client, invoice.pk)}
    html = client.post(url, {**second, "step": "confirm"}).content.decode()
    assert 'data-testid="repeat-error"' in html and "A refund of ¥22,000 was already requested" in html
    assert "Yes, refund ¥22,000 again" in html and "Please confirm" not in html
    ticked = client.post(url, {**second, "confirm_repeat": "on", "step": "confirm"}).content.decode()
    assert "Please confirm" in ticked and 'name="confirm_repeat" value="on"' in ticked
    assert client.post(url, {**second, "confirm_repeat": "on", "step": "execute"}).status_code == 302
    assert Refund.objects.count() == 2
    # A day later the same amount is an ordinary refund again.
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert _ask(_membership(user), invoice, 22_000).status == RefundStatus.PROCESSING


def test_other_rules_keep_their_own_messages_before_the_repeat_question(org: Organization) -> None:
    operator = _membership(factories.member(org))
    invoice = paid_invoice_without_stripe(org, amount=30_000)
    _ask(operator, invoice, 20_000)
    with pytest.raises(ServiceError) as capped:
        _ask(operator, invoice, 20_000)
    assert capped.value.code is ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE
    other = paid_invoice_without_stripe(org, amount=50_000)
    _ask(operator, other, 20_000)
    with pytest.raises(ServiceError) as misclassified:
        _ask(operator, other, 20_000, classification=RefundClassification.FULL)
    assert misclassified.value.code is ErrorCode.CLASSIFICATION_MISMATCH


def test_a_rejected_request_is_no_repeat_but_a_dashboard_refund_is(org: Organization) -> None:
    operator = _membership(factories.member(org))
    approver = _membership(factories.member(org, Role.APPROVER))
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    invoice = paid_invoice_without_stripe(org)
    held = _ask(operator, invoice, 5_000)
    refund_reject(actor=approver, refund_id=held.pk)
    assert _ask(operator, invoice, 5_000).status == RefundStatus.PENDING_APPROVAL  # not asked: nothing returned
    link = invoice.payment_link
    dashboard = gateway.RefundInfo(
        id="re_dashboard_1",
        status="succeeded",
        amount=3_000,
        currency="JPY",
        payment_intent_id=link.stripe_payment_intent_id,
        failure_reason=None,
        created=timezone.now(),
    )
    refund_record_stripe_refund(info=dashboard, link_id=link.pk)
    with pytest.raises(ServiceError) as repeated:
        _ask(operator, invoice, 3_000)
    assert repeated.value.code is ErrorCode.POSSIBLE_DUPLICATE and "in the Stripe Dashboard" in repeated.value.message


def test_the_api_asks_for_confirm_repeat(org: Organization) -> None:
    api = ApiClient(key_for(factories.member(org, email="ops@example.test"), org))
    invoice = paid_invoice_without_stripe(org)
    body = {"invoice_id": invoice.pk, "amount": 22_000, "currency": "JPY", "classification": "PARTIAL"}
    first = api.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="r1").json()
    again = api.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="r2")
    assert again.status_code == 409 and again.json()["code"] == "possible_duplicate"
    details = again.json()["details"]
    assert details["earlier_refund_id"] == first["id"] and details["requested_by"] == "ops@example.test"
    meant = api.post("/refunds", {**body, "confirm_repeat": True}, HTTP_IDEMPOTENCY_KEY="r3")
    assert meant.status_code == 201


def test_a_client_without_the_form_state_is_refused(org: Organization, login: Any) -> None:
    client: Client = login(factories.member(org))
    invoice = paid_invoice_without_stripe(org)
    html = client.post(
        f"/billing/invoices/{invoice.pk}/refund/",
        {"classification": "PARTIAL", "amount": "1000", "idempotency_key": str(uuid.uuid4()), "step": "execute"},
    ).content.decode()
    assert "This form is no longer valid" in html and not Refund.objects.exists()


# ---------------------------------------------------------------- any sequence

# Amounts near the thresholds (49,500 and 50,000 here) and what splits them, beside any amount at all.
_AMOUNTS = st.one_of(
    st.sampled_from([1, 15_003, 24_999, 40_000, 49_499, 49_999, 50_000, 60_000]), st.integers(1, 80_000)
)
_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("request"), _AMOUNTS),
        st.tuples(st.just("approve"), st.integers(0, 20)),
        st.tuples(st.just("reject"), st.integers(0, 20)),
        st.tuples(st.just("stripe_succeeds"), st.integers(0, 20)),
        st.tuples(st.just("stripe_fails"), st.integers(0, 20)),
        st.tuples(st.just("dashboard"), _AMOUNTS),
    ),
    max_size=14,
)


def at_stripe(refunds: list[Refund], *, excluding: Refund | None = None) -> int:
    """What Stripe has refunded of the charge (succeeded or pending there)."""
    done = (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
    return sum(refund.amount for refund in refunds if refund.status in done and refund != excluding)


@hypothesis.settings(max_examples=60, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
@hypothesis.given(operations=_OPERATIONS, share=st.booleans())
def test_no_sequence_returns_more_than_paid_or_passes_the_threshold_unapproved(
    operations: list[tuple[str, int]], share: bool
) -> None:
    """Requests, approvals, rejections, Stripe's answers (success, refusal, failure after success) and Dashboard
    refunds, in any order: the payment never returns more than was paid, and what went without an approver stays
    under the threshold."""
    paid, threshold = 165_000, 50_000
    org = factories.organization()
    _policy(org, **({"percent": 30} if share else {"amount": threshold}))  # 30 % of 165,000 = 49,500
    limit = paid * 30 // 100 if share else threshold
    operators = [_membership(factories.member(org)) for _ in range(2)]
    approver = _membership(factories.member(org, Role.APPROVER))
    invoice = paid_invoice_without_stripe(org, amount=paid)
    link = invoice.payment_link
    for step, (operation, value) in enumerate(operations):
        refunds = list(Refund.objects.filter(payment_link=link).order_by("pk"))
        held = [refund for refund in refunds if refund.status == RefundStatus.PENDING_APPROVAL]
        sent = [refund for refund in refunds if refund.status in (RefundStatus.PROCESSING, RefundStatus.SUCCEEDED)]
        try:
            if operation == "request":
                _ask(operators[step % 2], invoice, value, confirm_repeat=True)
            elif operation == "approve" and held:
                refund_approve(actor=approver, refund_id=held[value % len(held)].pk)
            elif operation == "reject" and held:
                refund_reject(actor=approver, refund_id=held[value % len(held)].pk)
            elif operation.startswith("stripe_") and sent:
                refund = sent[value % len(sent)]
                # Stripe refuses to refund more than is left of the charge.
                fits = at_stripe(refunds, excluding=refund) + refund.amount <= paid
                status = "succeeded" if operation == "stripe_succeeds" and fits else "failed"
                info = gateway.RefundInfo(
                    id=refund.stripe_refund_id or f"re_{uuid.uuid4().hex}",
                    status=status,
                    amount=refund.amount,
                    currency="JPY",
                    payment_intent_id=link.stripe_payment_intent_id,
                    failure_reason=None if status == "succeeded" else "expired_or_canceled_card",
                )
                refund_record_stripe_refund(info=info, link_id=link.pk)
            elif operation == "dashboard" and at_stripe(refunds) + value <= paid:
                info = gateway.RefundInfo(
                    id=f"re_{uuid.uuid4().hex}",
                    status="succeeded",
                    amount=value,
                    currency="JPY",
                    payment_intent_id=link.stripe_payment_intent_id,
                    failure_reason=None,
                )
                refund_record_stripe_refund(info=info, link_id=link.pk)
        except ServiceError:
            pass  # a refusal is an answer; the invariants below are what matter
        ours = Refund.objects.filter(payment_link=link, source="app")
        unapproved = ours.filter(
            decided_at__isnull=True, status__in=[RefundStatus.PROCESSING, RefundStatus.PENDING, RefundStatus.SUCCEEDED]
        )
        assert sum(unapproved.values_list("amount", flat=True)) < limit, operations[: step + 1]
        # What we asked for never holds more than was paid, whatever was refunded outside meanwhile.
        assert sum(ours.filter(status__in=RefundStatus.reserving()).values_list("amount", flat=True)) <= paid
        link.refresh_from_db()
        assert link.amount_refunded <= link.amount_paid


# ---------------------------------------------------------------- keys belong to their organization


def test_a_form_key_the_server_did_not_issue_is_refused_without_saying_whether_it_was_used(
    org: Organization, other_org: Organization, login: Any
) -> None:
    ours = login(factories.member(org))
    theirs = login(factories.member(other_org))
    invoice = paid_invoice_without_stripe(org)
    their_invoice = paid_invoice_without_stripe(other_org)
    fields = refund_form_fields(ours, invoice.pk)
    assert (
        ours.post(
            f"/billing/invoices/{invoice.pk}/refund/",
            {"classification": "PARTIAL", "amount": "1000", **fields, "step": "execute"},
        ).status_code
        == 302
    )
    used = str(Refund.objects.get().idempotency_key)
    # Another organization posts our (used) key, bare or with our signature: the same answer as any forged key.
    their_fields = refund_form_fields(theirs, their_invoice.pk)
    for forged in (used, fields["idempotency_key"], str(uuid.uuid4())):
        html = theirs.post(
            f"/billing/invoices/{their_invoice.pk}/refund/",
            {
                "classification": "PARTIAL",
                "amount": "1000",
                **their_fields,
                "idempotency_key": forged,
                "step": "execute",
            },
        ).content.decode()
        assert "This form is no longer valid" in html and "already used" not in html
    assert Refund.objects.count() == 1


def test_an_api_key_used_by_one_organization_never_blocks_another(org: Organization, other_org: Organization) -> None:
    ours = ApiClient(key_for(factories.member(org), org))
    theirs = ApiClient(key_for(factories.member(other_org), other_org))
    body = {"amount": 1_000, "currency": "JPY", "classification": "PARTIAL"}
    their_invoice = paid_invoice_without_stripe(other_org)
    assert (
        theirs.post(
            "/refunds", {**body, "invoice_id": their_invoice.pk}, HTTP_IDEMPOTENCY_KEY="order-2001-cancel"
        ).status_code
        == 201
    )
    invoice = paid_invoice_without_stripe(org)
    answer = ours.post("/refunds", {**body, "invoice_id": invoice.pk}, HTTP_IDEMPOTENCY_KEY="order-2001-cancel")
    assert answer.status_code == 201, answer.content
    assert Refund.objects.filter(organization=org).count() == 1


def test_a_removed_members_api_key_stays_revoked_after_they_are_added_again(org: Organization, login: Any) -> None:
    admin = _membership(factories.member(org, Role.ADMIN))
    person = factories.member(org, email="leaver@example.test")
    api = ApiClient(key_for(person, org))
    assert api.get("/invoices").status_code == 200
    from invoicedesk.accounts.services import member_remove

    member_remove(actor=admin, membership_id=_membership(person).pk)
    assert api.get("/invoices").status_code == 401
    Membership.objects.create(user=person, organization=org, role=Role.OPERATOR)
    assert api.get("/invoices").status_code == 401
    key = person.api_keys.get()
    assert key.revoked_at is not None and key.membership_id is None
