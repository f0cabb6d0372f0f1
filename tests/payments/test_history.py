"""The Payment Transaction history: written only by payments.history, as codes read in each reader's language."""

import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import translation

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.history import HistoryMessage, render_message
from invoicedesk.payments.models import PaymentTransaction
from invoicedesk.refunds.models import RefundClassification
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories


@pytest.mark.parametrize("message", [m for m in HistoryMessage if m != HistoryMessage.TEXT], ids=str)
def test_every_history_sentence_has_japanese(message: HistoryMessage) -> None:
    with translation.override("en"):
        english = str(message.label)
    with translation.override("ja"):
        japanese = str(message.label)
    assert japanese != english
    assert not any(word in japanese for word in ("Refund", "Payment", "Stripe received", "requested")), japanese


@pytest.mark.django_db(transaction=True)
def test_a_japanese_reader_sees_the_whole_history_in_japanese(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    org: Organization,
    login: Callable[[User], Client],
) -> None:
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=paid_invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    reader = login(factories.member(org, Role.VIEWER, language="ja"))
    html = reader.get(f"/billing/invoices/{paid_invoice.pk}/", {"tab": "transactions"}).content.decode()
    rows = PaymentTransaction.objects.filter(payment_link=paid_invoice.payment_link)
    assert rows.count() == 4  # paid, refund requested, refunded, email delivered
    with translation.override("ja"):
        japanese = [render_message(row) for row in rows]
    with translation.override("en"):
        english = [render_message(row) for row in rows]
    for ja, en in zip(japanese, english, strict=True):
        assert ja in html, ja
        assert en not in html, en
    for sentence in (
        "一部返金を依頼しました。",
        "Stripeで返金されました。",
        "に返金メールを送信しました。",
        "カードで支払われました",
    ):
        assert sentence in html, sentence


OLD_ROWS = [
    ("LINK_ISSUED", "Payment link issued, valid until 2026-05-01 10:00.", "link_issued"),
    ("LINK_ISSUED", "決済リンクを発行しました（有効期限：2026-05-01 10:00）。", "link_issued"),
    ("REFUND", "Partial refund requested.", "refund_requested"),
    ("REFUND", "全額返金を依頼しました。", "refund_requested"),
    ("REFUND_UPDATE", "Refunded by Stripe. Online Payment Link Status is now PARTIALLY REFUNDED.", "refund_succeeded"),
    ("NOTIFICATION", "Refund email delivered to a@example.test.", "email_delivered"),
    ("PAYMENT_FAILED", "Your card was declined.", "text"),
]


@pytest.mark.django_db(transaction=True)
def test_sentences_written_before_codes_are_migrated_to_codes(org: Organization, owner_rights) -> None:
    executor = MigrationExecutor(connection)
    old = [("payments", "0001_initial")]
    newest = executor.loader.graph.leaf_nodes()
    invoice = factories.invoice(org)  # made by today's models, before the schema goes back
    with owner_rights():  # migrations run as the owner
        try:
            executor.migrate(old)
            apps = executor.loader.project_state(old).apps
            old_row_model = apps.get_model("payments", "PaymentTransaction")
            for kind, message, _ in OLD_ROWS:
                old_row_model.objects.create(
                    organization_id=org.pk,
                    payment_link_id=invoice.payment_link.pk,
                    kind=kind,
                    currency="JPY",
                    message=message,
                )
            old_row_model.objects.create(
                organization_id=org.pk,
                payment_link_id=invoice.payment_link.pk,
                kind="PAYMENT",
                currency="JPY",
                message="Paid by card (charge ch_1). The payment arrived after the link was CANCELED.",
            )
        finally:
            executor = MigrationExecutor(connection)
            executor.loader.build_graph()
            executor.migrate(newest)
    rows = list(PaymentTransaction.objects.order_by("id"))
    assert [row.message_parts[0][0] for row in rows] == [code for *_, code in OLD_ROWS] + ["paid_by_card"]
    assert rows[-1].message_parts[1] == ["text", {"text": "The payment arrived after the link was CANCELED."}]
    with translation.override("ja"):
        assert render_message(rows[2]) == "一部返金を依頼しました。"
        assert render_message(rows[3]) == "全額返金を依頼しました。"
        assert "一部返金済み" in render_message(rows[4])
    with translation.override("en"):
        assert render_message(rows[1]) == "Payment link issued, valid until 2026-05-01 10:00 JST."
        assert render_message(rows[6]) == "Your card was declined."
