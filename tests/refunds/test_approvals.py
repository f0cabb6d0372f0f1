"""Maker-checker: a refund the policy holds reserves its amount, is decided once by another approver, re-checks the
money under the lock, and then executes as an immediate refund does; rejection, cancellation and expiry release it."""

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connections
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization, Role, User
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import ErrorCode, Forbidden, ServiceError
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.approvals import refund_approve, refund_cancel, refund_reject, refunds_expire_approvals
from invoicedesk.refunds.models import RefundClassification, RefundStatus
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway
from tests import factories
from tests.http import refund_form_fields

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def above_50000(org: Organization) -> Organization:
    org.refund_approval_policy = ApprovalPolicy.ABOVE
    org.refund_approval_threshold_amount = 50_000
    org.save()
    return org


def membership_of(user: User) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user=user)


@pytest.fixture
def approver(above_50000: Organization) -> Membership:
    return membership_of(factories.member(above_50000, Role.APPROVER, email="approver@example.test", language="en"))


BUYER = "billing@sakura-trading.example"


def to_buyer() -> list[Any]:
    return [message for message in mail.outbox if message.to == [BUYER]]


def ask(invoice: BillingInvoice, amount: int, classification: str = RefundClassification.PARTIAL) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk,
        amount=amount,
        classification=RefundClassification(classification),
        idempotency_key=uuid.uuid4(),
    )


def link_of(invoice: BillingInvoice) -> PaymentLink:
    return PaymentLink.objects.get(invoice=invoice)


def test_a_held_refund_reserves_its_amount_and_executes_once_approved(
    paid_invoice: BillingInvoice, operator_membership: Membership, approver: Membership
) -> None:
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    assert held.status == RefundStatus.PENDING_APPROVAL
    assert refundable_amount(link_of(paid_invoice)).amount == 50_000  # reserved at once
    assert not to_buyer()
    approved = refund_approve(
        actor=approver, refund_id=held.pk, comment="Checked the return slip", ip_address="10.0.0.9"
    )
    approved.refresh_from_db()
    assert approved.status == RefundStatus.SUCCEEDED and approved.decided_by == approver.user
    link = link_of(paid_invoice)
    assert link.status == PaymentLinkStatus.PARTIALLY_REFUNDED and link.amount_refunded == 60_000
    assert gateway.retrieve_charge_amount_refunded(charge_id=link.stripe_charge_id) == 60_000
    assert len(to_buyer()) == 1
    entry = AuditEntry.objects.get(action=AuditAction.REFUND_APPROVE)
    assert entry.actor == approver.user and entry.ip_address == "10.0.0.9"
    assert entry.after["comment"] == "Checked the return slip"


def test_nobody_approves_their_own_request_and_only_approvers_approve(
    paid_invoice: BillingInvoice, above_50000: Organization, operator_membership: Membership
) -> None:
    admin = membership_of(factories.member(above_50000, Role.ADMIN))
    held = refund_request(actor=admin, request=ask(paid_invoice, 60_000))
    with pytest.raises(Forbidden, match="another approver"):
        refund_approve(actor=admin, refund_id=held.pk)
    with pytest.raises(Forbidden, match="cannot approve"):
        refund_approve(actor=operator_membership, refund_id=held.pk)
    held.refresh_from_db()
    assert held.status == RefundStatus.PENDING_APPROVAL


def test_a_request_is_decided_once_and_says_by_whom(
    paid_invoice: BillingInvoice, operator_membership: Membership, approver: Membership, above_50000: Organization
) -> None:
    second = membership_of(factories.member(above_50000, Role.APPROVER, email="second@example.test"))
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    refund_reject(actor=approver, refund_id=held.pk, comment="Not returned yet")
    with pytest.raises(ServiceError, match=r"already rejected by approver@example\.test") as refused:
        refund_approve(actor=second, refund_id=held.pk)
    assert refused.value.code is ErrorCode.ALREADY_DECIDED
    assert refundable_amount(link_of(paid_invoice)).amount == 110_000  # released


@pytest.mark.parametrize("approvers", [2])
def test_two_approvers_at_once_give_one_execution(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    approver: Membership,
    above_50000: Organization,
    approvers: int,
) -> None:
    second = membership_of(factories.member(above_50000, Role.APPROVER, email="second@example.test"))
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    barrier = threading.Barrier(approvers)
    outcomes: list[str] = []

    def approve(member: Membership) -> None:
        barrier.wait()
        try:
            refund_approve(actor=member, refund_id=held.pk)
            outcomes.append("approved")
        except ServiceError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(m,)) for m in (approver, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_decided", "approved"]
    assert AuditEntry.objects.filter(action=AuditAction.REFUND_APPROVE).count() == 1
    link = link_of(paid_invoice)
    assert gateway.retrieve_charge_amount_refunded(charge_id=link.stripe_charge_id) == 60_000
    assert len(to_buyer()) == 1


def test_approval_rechecks_the_money_without_counting_its_own_reservation(
    paid_invoice: BillingInvoice, operator_membership: Membership, approver: Membership
) -> None:
    first = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    second = refund_request(actor=operator_membership, request=ask(paid_invoice, 50_000, RefundClassification.FULL))
    assert second.status == RefundStatus.PENDING_APPROVAL
    assert refundable_amount(link_of(paid_invoice)).amount == 0  # two held requests hold the whole payment
    with pytest.raises(ServiceError, match="Nothing is left to refund"):
        refund_request(actor=operator_membership, request=ask(paid_invoice, 1_000))
    # Meanwhile ¥10,000 went back through the Stripe Dashboard: together the two no longer fit.
    link = link_of(paid_invoice)
    from invoicedesk.refunds.outcomes import refunds_sync_payment

    gateway.stripe_client().v1.refunds.create(params={"charge": link.stripe_charge_id, "amount": 10_000})
    refunds_sync_payment(link_id=link.pk)
    for held in (first, second):
        with pytest.raises(ServiceError, match="can no longer be made") as refused:
            refund_approve(actor=approver, refund_id=held.pk)
        assert refused.value.code is ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE
    refund_reject(actor=approver, refund_id=second.pk)
    refund_approve(actor=approver, refund_id=first.pk)  # its own ¥60,000 is not counted against it
    first.refresh_from_db()
    assert first.status == RefundStatus.SUCCEEDED
    link.refresh_from_db()
    assert link.amount_refunded == 70_000 and refundable_amount(link).amount == 40_000


def test_the_requester_can_cancel_and_others_cannot(
    paid_invoice: BillingInvoice, operator_membership: Membership, approver: Membership, above_50000: Organization
) -> None:
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    other_operator = membership_of(factories.member(above_50000, Role.OPERATOR))
    with pytest.raises(Forbidden, match="requester or an admin"):
        refund_cancel(actor=other_operator, refund_id=held.pk)
    refund_cancel(actor=operator_membership, refund_id=held.pk)
    held.refresh_from_db()
    assert held.status == RefundStatus.CANCELED
    assert refundable_amount(link_of(paid_invoice)).amount == 110_000
    with pytest.raises(ServiceError, match="canceled by its requester"):
        refund_approve(actor=approver, refund_id=held.pk)


def test_an_undecided_request_expires_and_releases_its_amount(
    paid_invoice: BillingInvoice, operator_membership: Membership, approver: Membership
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
        traveller.shift(timedelta(hours=72) - timedelta(seconds=1))  # the default expiry is 72 h
        assert refunds_expire_approvals() == 0
        assert refundable_amount(link_of(paid_invoice)).amount == 50_000
        traveller.shift(timedelta(seconds=1))
        with pytest.raises(ServiceError, match="expired"):
            refund_approve(actor=approver, refund_id=held.pk)
        mail.outbox.clear()
        assert refunds_expire_approvals() == 1
        assert refunds_expire_approvals() == 0  # once
    held.refresh_from_db()
    assert held.status == RefundStatus.EXPIRED
    assert refundable_amount(link_of(paid_invoice)).amount == 110_000
    assert AuditEntry.objects.filter(action=AuditAction.REFUND_EXPIRE).count() == 1
    [told] = mail.outbox
    assert told.to == [operator_membership.user.email] and "期限切れ" in told.body  # in the requester's language


def test_the_approvals_page_lists_held_refunds_and_decides_them(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    approver: Membership,
    operator_client: Client,
    login: Callable[[User], Client],
) -> None:
    confirm = operator_client.post(
        f"/billing/invoices/{paid_invoice.pk}/refund/",
        {
            "classification": "PARTIAL",
            "amount": "60000",
            **refund_form_fields(operator_client, paid_invoice.pk),
            "step": "confirm",
        },
    ).content.decode()
    assert 'data-testid="needs-approval"' in confirm
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    assert 'data-testid="approvals-menu"' not in operator_client.get("/billing/").content.decode()
    assert operator_client.get("/approvals/").status_code == 403

    approver_client = login(approver.user)
    listing = approver_client.get("/approvals/").content.decode()
    assert 'data-testid="approvals-menu"' in listing and "INV-2026-0001" in listing and "¥60,000" in listing
    detail = approver_client.get(f"/approvals/{held.pk}/").content.decode()
    assert "operator@example.test" in detail and "billing@sakura-trading.example" in detail
    done = approver_client.post(f"/approvals/{held.pk}/", {"decision": "approve", "comment": "OK"})
    assert done.status_code == 302
    held.refresh_from_db()
    assert held.status == RefundStatus.SUCCEEDED
    again = approver_client.post(f"/approvals/{held.pk}/", {"decision": "approve"}, follow=True).content.decode()
    assert "already approved by approver@example.test" in again


def test_another_organizations_request_is_not_found(
    paid_invoice: BillingInvoice, operator_membership: Membership, approver: Membership, other_org: Any
) -> None:
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    stranger = membership_of(factories.member(other_org, Role.APPROVER))
    from invoicedesk.core.errors import NotFound

    with pytest.raises(NotFound):
        refund_approve(actor=stranger, refund_id=held.pk)


def test_approvers_are_asked_by_email_and_the_requester_hears_of_a_rejection(
    paid_invoice: BillingInvoice, operator_membership: Membership, approver: Membership, above_50000: Organization
) -> None:
    factories.member(above_50000, Role.ADMIN, email="boss@example.test", language="ja")
    factories.member(above_50000, Role.VIEWER, email="looker@example.test")
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 60_000))
    asked = {message.to[0]: message for message in mail.outbox}
    assert sorted(asked) == ["approver@example.test", "boss@example.test"]  # approvers and admins, not the requester
    assert "waits for your approval" in asked["approver@example.test"].subject
    assert "承認待ち" in asked["boss@example.test"].subject
    assert f"/approvals/{held.pk}/" in asked["approver@example.test"].body
    mail.outbox.clear()
    refund_reject(actor=approver, refund_id=held.pk, comment="No return slip")
    (told,) = mail.outbox
    assert told.to == ["operator@example.test"] and "却下されました" in told.subject and "No return slip" in told.body
