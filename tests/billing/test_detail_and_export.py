import csv
import io

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization
from invoicedesk.billing.models import PaymentMethod
from invoicedesk.payments.models import PaymentLinkStatus, PaymentTransaction, TransactionKind
from tests import factories
from tests.http import streamed_text

pytestmark = pytest.mark.django_db


def test_detail_shows_the_invoice(operator_client: Client, org: Organization) -> None:
    bill_to = factories.buyer(org, "Sakura Trading Co., Ltd.", contact_name="Haruka Sato", email="ap@sakura.example")
    inv = factories.invoice(
        org, number="INV-2026-0001", bill_to=bill_to, amount=110_000, link_status=PaymentLinkStatus.PAID
    )
    html = operator_client.get(f"/billing/invoices/{inv.pk}/").content.decode()
    for text in [
        "Billing Invoice Detail",
        "INV-2026-0001",
        "Sakura Trading Co., Ltd.",
        "Haruka Sato",
        "ap@sakura.example",
        "¥110,000",
        "PAID",
        "2026-04-01",
        "2026-05-01",
        "Online Payment Link",
        "Payment Transaction",
    ]:
        assert text in html, text


def test_out_of_scope_payment_methods_say_so(operator_client: Client, org: Organization) -> None:
    inv = factories.invoice(org, payment_method=PaymentMethod.BANK_TRANSFER)
    html = operator_client.get(f"/billing/invoices/{inv.pk}/").content.decode()
    assert "out of scope for the refund procedure" in html


def test_payment_transaction_tab_lists_history_newest_first(operator_client: Client, org: Organization) -> None:
    inv = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    link = inv.payment_link
    for kind, ref in [(TransactionKind.LINK_ISSUED, ""), (TransactionKind.PAYMENT, "pi_123")]:
        PaymentTransaction.objects.create(
            organization=org,
            payment_link=link,
            kind=kind,
            amount=inv.amount,
            currency="JPY",
            status="PAID",
            stripe_reference=ref,
            actor_label="Stripe",
            message_parts=[["text", {"text": f"{kind} happened"}]],
        )
    response = operator_client.get(f"/billing/invoices/{inv.pk}/", {"tab": "transactions"})
    kinds = [row.kind for row in response.context["history"]]
    assert kinds == [str(TransactionKind.PAYMENT.label), str(TransactionKind.LINK_ISSUED.label)]
    html = response.content.decode()
    assert "pi_123" in html and "Stripe" in html and "PAYMENT happened" in html


def test_payment_transaction_tab_empty_state(operator_client: Client, org: Organization) -> None:
    inv = factories.invoice(org, payment_method=PaymentMethod.CARD_AT_ORDER)
    html = operator_client.get(f"/billing/invoices/{inv.pk}/", {"tab": "transactions"}).content.decode()
    assert "No payment transactions yet." in html


def test_csv_export_streams_the_current_search(operator_client: Client, org: Organization) -> None:
    factories.invoice(
        org,
        number="INV-A",
        bill_to=factories.buyer(org, "株式会社さくら商事"),
        amount=22_000,
        link_status=PaymentLinkStatus.PAID,
    )
    factories.invoice(org, number="INV-B", bill_to=factories.buyer(org, "Fuji"), amount=5_500)
    response = operator_client.get("/billing/invoices.csv", {"bill_to": "さくら"})
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = streamed_text(response)
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Billing Invoice No."
    assert rows[1:] == [
        ["INV-A", "株式会社さくら商事", "2026-04-01", "2026-05-01", "22000", "JPY", "Online Payment Link", "PAID", ""]
    ]


def test_csv_export_refuses_a_bad_search(operator_client: Client) -> None:
    response = operator_client.get("/billing/invoices.csv", {"amount_min": "lots"})
    assert response.status_code == 422 and "as a number" in response.content.decode()


def test_csv_export_speaks_the_users_language(org: Organization) -> None:
    from invoicedesk.accounts.models import Role

    factories.invoice(org, number="INV-JA", amount=22_000, link_status=PaymentLinkStatus.PARTIALLY_REFUNDED)
    client = Client()
    client.force_login(factories.member(org, Role.VIEWER, language="ja"))
    rows = list(csv.reader(io.StringIO(streamed_text(client.get("/billing/invoices.csv")))))
    assert rows[0][:2] == ["請求書番号", "請求先"]
    assert rows[1][6:] == ["オンライン決済リンク", "一部返金済み", "11000"]
    assert rows[0][-1] == "返金済み額"


def test_history_statuses_read_in_the_users_language(org: Organization) -> None:
    from invoicedesk.accounts.models import Role

    inv = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    for kind, status in [
        (TransactionKind.PAYMENT, "PAID"),
        (TransactionKind.REFUND_UPDATE, "SUCCEEDED"),
        (TransactionKind.NOTIFICATION, "SENT"),
        (TransactionKind.PAYMENT, "DUPLICATE"),
        (TransactionKind.REFUND, "PENDING"),
        (TransactionKind.NOTIFICATION, "PENDING"),
    ]:
        PaymentTransaction.objects.create(
            organization=org, payment_link=inv.payment_link, kind=kind, currency="JPY", status=status
        )
    client = Client()
    client.force_login(factories.member(org, Role.VIEWER, language="ja"))
    html = client.get(f"/billing/invoices/{inv.pk}/", {"tab": "transactions"}).content.decode()
    # The same code reads differently by kind: a refund PENDING at Stripe is not an email waiting to be sent.
    for label in [
        '<td class="nowrap" data-label="ステータス">支払済み</td>',
        '<td class="nowrap" data-label="ステータス">完了</td>',
        '<td class="nowrap" data-label="ステータス">送信済み</td>',
        '<td class="nowrap" data-label="ステータス">重複</td>',
        '<td class="nowrap" data-label="ステータス">Stripe処理中</td>',
        '<td class="nowrap" data-label="ステータス">送信待ち</td>',
    ]:
        assert label in html, label
