import uuid
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization, Role
from invoicedesk.audit.models import AuditEntry
from invoicedesk.billing.models import BillingInvoice, PaymentMethod
from invoicedesk.core.errors import ErrorCode, Forbidden, NotFound, ServiceError
from invoicedesk.notifications.models import Notification, NotificationStatus
from invoicedesk.payments.history import render_message
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_quote, refund_request
from invoicedesk.stripe_integration import gateway
from tests import factories
from tests.stripe_support import FaultyHTTPClient, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)

FULL, PARTIAL = RefundClassification.FULL, RefundClassification.PARTIAL


def ask(
    invoice: BillingInvoice,
    amount: int,
    classification: RefundClassification = PARTIAL,
    key: uuid.UUID | None = None,
    **fields: Any,
) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk,
        amount=amount,
        classification=classification,
        idempotency_key=key or uuid.uuid4(),
        **fields,
    )


def refund(actor: Membership, request: RefundInput) -> Refund:
    """Request a refund and run what happens after commit (the Stripe call, the email)."""
    created = refund_request(actor=actor, request=request)
    created.refresh_from_db()
    return created


def link_of(invoice: BillingInvoice) -> PaymentLink:
    return PaymentLink.objects.get(invoice=invoice)


def test_partial_then_full_through_stripe(paid_invoice: BillingInvoice, operator_membership: Membership) -> None:
    first = refund(
        operator_membership,
        ask(paid_invoice, 22_000, PARTIAL, reason="requested_by_customer", memo="Returned 2 units"),
    )
    assert first.status == RefundStatus.SUCCEEDED and first.stripe_refund_id.startswith("re_")
    link = link_of(paid_invoice)
    assert link.status == PaymentLinkStatus.PARTIALLY_REFUNDED and link.amount_refunded == 22_000
    assert refundable_amount(link).amount == 88_000

    second = refund(operator_membership, ask(paid_invoice, 88_000, FULL))
    assert second.status == RefundStatus.SUCCEEDED
    link = link_of(paid_invoice)
    assert link.status == PaymentLinkStatus.REFUNDED and link.amount_refunded == 110_000
    assert refundable_amount(link).amount == 0
    assert gateway.retrieve_charge_amount_refunded(charge_id=link.stripe_charge_id) == 110_000

    kinds = list(link.transactions.order_by("id").values_list("kind", "status"))
    assert kinds.count((TransactionKind.REFUND, RefundStatus.PROCESSING)) == 2
    assert kinds.count((TransactionKind.REFUND_UPDATE, RefundStatus.SUCCEEDED)) == 2
    assert kinds.count((TransactionKind.NOTIFICATION, "SENT")) == 2
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="refund.request").count() == 2


def test_above_the_refundable_amount_is_refused_naming_it(
    paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    refund(operator_membership, ask(paid_invoice, 22_000))
    with pytest.raises(ServiceError) as caught:
        refund_request(actor=operator_membership, request=ask(paid_invoice, 100_000))
    assert caught.value.field == "amount"
    assert "Refundable Amount of ¥88,000" in caught.value.message
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "classification", "words"),
    [
        (22_000, FULL, "To return ¥22,000, choose Partial refund"),
        (110_000, PARTIAL, "¥110,000 is the whole Refundable Amount: choose Full refund"),
        (0, PARTIAL, "greater than zero"),
        (-5, PARTIAL, "greater than zero"),
    ],
)
def test_classification_and_amount_rules(
    paid_invoice: BillingInvoice, operator_membership: Membership, amount: int, classification: str, words: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        refund_request(actor=operator_membership, request=ask(paid_invoice, amount, classification))  # type: ignore[arg-type]
    assert words in caught.value.message
    assert not Refund.objects.exists()


def test_double_submit_returns_the_same_refund_and_sends_one_email(
    paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    key = uuid.uuid4()
    first = refund(operator_membership, ask(paid_invoice, 22_000, key=key))
    again = refund(operator_membership, ask(paid_invoice, 22_000, key=key))
    assert again.pk == first.pk
    assert Refund.objects.count() == 1 and Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert link_of(paid_invoice).amount_refunded == 22_000


@pytest.mark.parametrize("role", [Role.VIEWER, Role.APPROVER])
def test_roles_without_refund_rights_are_forbidden(paid_invoice: BillingInvoice, org: Organization, role: Role) -> None:
    member = factories.member(org, role)
    with pytest.raises(Forbidden):
        refund_request(actor=Membership.objects.get(user=member), request=ask(paid_invoice, 1_000))


def test_another_organizations_payment_is_not_found(paid_invoice: BillingInvoice, other_org: Organization) -> None:
    outsider = Membership.objects.get(user=factories.member(other_org, Role.ADMIN))
    with pytest.raises(NotFound):
        refund_request(actor=outsider, request=ask(paid_invoice, 1_000))


@pytest.mark.parametrize(
    ("method", "status", "code"),
    [
        (PaymentMethod.BANK_TRANSFER, None, ErrorCode.OUT_OF_SCOPE_PAYMENT_METHOD),
        (PaymentMethod.CARD_AT_ORDER, None, ErrorCode.OUT_OF_SCOPE_PAYMENT_METHOD),
        (PaymentMethod.ONLINE_PAYMENT_LINK, PaymentLinkStatus.UNPAID, ErrorCode.NOT_PAID),
        (PaymentMethod.ONLINE_PAYMENT_LINK, PaymentLinkStatus.EXPIRED, ErrorCode.NOT_PAID),
    ],
)
def test_out_of_scope_and_unpaid_invoices_are_refused(
    org: Organization, operator_membership: Membership, method: str, status: PaymentLinkStatus | None, code: ErrorCode
) -> None:
    inv = factories.invoice(org, payment_method=method, link_status=status)
    with pytest.raises(ServiceError) as caught:
        refund_request(actor=operator_membership, request=ask(inv, 1_000))
    assert caught.value.code is code


def test_refund_after_the_addon_is_canceled_for_a_payment_settled_under_it(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    org: Organization,
) -> None:
    org.addon_contracts.update(ends_at=timezone.now())
    done = refund(operator_membership, ask(paid_invoice, 10_000))
    assert done.status == RefundStatus.SUCCEEDED


def test_payment_settled_outside_any_contract_is_refused(
    paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    PaymentLink.objects.filter(invoice=paid_invoice).update(addon_contract=None)
    with pytest.raises(ServiceError) as caught:
        refund_request(actor=operator_membership, request=ask(paid_invoice, 1_000))
    assert caught.value.code is ErrorCode.ADDON_NOT_VALID


def test_timeout_leaves_processing_with_the_amount_reserved(
    paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    faulty = FaultyHTTPClient(fail=lambda method, url: "timeout" if url.endswith("/v1/refunds") else None)
    with stripe_http_client(faulty):
        pending = refund(operator_membership, ask(paid_invoice, 30_000))
    assert pending.status == RefundStatus.PROCESSING and pending.stripe_unconfirmed_since is not None
    link = link_of(paid_invoice)
    assert link.status == PaymentLinkStatus.PAID and link.amount_refunded == 0
    assert refundable_amount(link).amount == 80_000  # reserved, never offered twice
    with pytest.raises(ServiceError, match="Refundable Amount of ¥80,000"):
        refund_request(actor=operator_membership, request=ask(paid_invoice, 110_000, FULL))
    assert "Awaiting confirmation from Stripe" in render_message(link.transactions.latest("id"))
    assert not mail.outbox


def test_stripe_error_fails_the_refund_with_its_message_and_frees_the_amount(
    paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    error = (
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "charge_already_refunded",
                "message": "Charge ch_1 has already been refunded.",
            }
        },
    )
    faulty = FaultyHTTPClient(fail=lambda method, url: error if url.endswith("/v1/refunds") else None)
    with stripe_http_client(faulty):
        failed = refund(operator_membership, ask(paid_invoice, 30_000))
    assert failed.status == RefundStatus.FAILED
    assert failed.failure_code == "charge_already_refunded"
    assert failed.failure_message == "Charge ch_1 has already been refunded."
    assert refundable_amount(link_of(paid_invoice)).amount == 110_000
    assert not Notification.objects.exists()


def test_pending_at_stripe_keeps_the_amount_reserved_and_sends_no_email(
    paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    pending = {
        "id": "re_pending",
        "object": "refund",
        "amount": 30_000,
        "currency": "jpy",
        "status": "pending",
        "payment_intent": link_of(paid_invoice).stripe_payment_intent_id,
        "metadata": {},
    }
    faulty = FaultyHTTPClient(fail=lambda method, url: (200, pending) if url.endswith("/v1/refunds") else None)
    with stripe_http_client(faulty):
        result = refund(operator_membership, ask(paid_invoice, 30_000))
    assert result.status == RefundStatus.PENDING and result.stripe_refund_id == "re_pending"
    assert refundable_amount(link_of(paid_invoice)).amount == 80_000
    assert link_of(paid_invoice).status == PaymentLinkStatus.PAID
    assert not Notification.objects.exists()


def test_approval_policy_holds_the_refund_without_calling_stripe(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    org: Organization,
) -> None:
    org.refund_approval_policy = ApprovalPolicy.ABOVE
    org.refund_approval_threshold_percent = 50
    org.save()
    operator_membership.organization.refresh_from_db()
    faulty = FaultyHTTPClient(fail=lambda method, url: None)
    with stripe_http_client(faulty):
        small = refund(operator_membership, ask(paid_invoice, 50_000))
        big = refund(operator_membership, ask(paid_invoice, 60_000, FULL))
    assert small.status == RefundStatus.SUCCEEDED
    assert big.status == RefundStatus.PENDING_APPROVAL and big.stripe_refund_id == ""
    assert len([url for _, url in faulty.calls if url.endswith("/v1/refunds")]) == 1
    assert refundable_amount(link_of(paid_invoice)).amount == 0


def test_quote_states_refund_net_and_status_after(
    paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    quote = refund_quote(actor=operator_membership, invoice_id=paid_invoice.pk, amount=22_000, classification=PARTIAL)
    assert (quote.refund.amount, quote.net_paid_after.amount) == (22_000, 88_000)
    assert quote.status_after == PaymentLinkStatus.PARTIALLY_REFUNDED
    full = refund_quote(actor=operator_membership, invoice_id=paid_invoice.pk, amount=110_000, classification=FULL)
    assert full.net_paid_after.amount == 0 and full.status_after == PaymentLinkStatus.REFUNDED
    assert not Refund.objects.exists()


def test_email_is_in_the_buyers_language_with_the_facts(
    make_paid_invoice: Any, operator_membership: Membership, org: Organization
) -> None:
    org.contact_email = "support@demo-seller.example"
    org.save()
    invoice = make_paid_invoice(number="INV-2026-0042")
    invoice.buyer.language = "ja"
    invoice.buyer.contact_name = "佐藤 春香"
    invoice.buyer.save()
    refund(operator_membership, ask(invoice, 22_000))
    (message,) = mail.outbox
    assert message.subject == "【Demo Seller Inc.】返金のお知らせ（請求書番号：INV-2026-0042）"
    assert message.to == ["billing@sakura-trading.example"]
    assert message.reply_to == ["support@demo-seller.example"]
    body = str(message.body)
    for text in [
        "佐藤 春香 様",
        "INV-2026-0042",
        "￥22,000（一部返金）",
        "返金後のお支払額：￥88,000",
        "5〜10営業日",
        "support@demo-seller.example",
    ]:
        assert text in body, text
    html = message.alternatives[0].content  # type: ignore[attr-defined]
    assert "￥22,000" in str(html)
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 1
