"""The operator's path exactly as users are taught it, in English and once in Japanese:
Transactions > Billing Management > Billing Invoices > search > Details > Refund > modal > confirm > Refund."""

from dataclasses import dataclass

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.devtools.demo import DEMO_PASSWORD
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import Refund
from invoicedesk.stripe_integration import gateway


@dataclass(frozen=True)
class Words:
    email: str
    password: str
    log_in: str
    transactions: str
    billing_management: str
    billing_invoices: str
    bill_to: str
    search: str
    details: str
    refund: str
    modal_title: str
    partial: str
    full: str
    refund_amount: str
    next: str
    partially_refunded: str
    refunded: str
    payment_transaction: str
    yen_110000: str
    yen_88000: str


ENGLISH = Words(
    "Email address",
    "Password",
    "Log in",
    "Transactions",
    "Billing Management",
    "Billing Invoices",
    "Bill to",
    "Search",
    "Details",
    "Refund",
    "Refund Billing Amount",
    "Partial refund",
    "Full refund",
    "Refund Amount",
    "Next: confirm",
    "PARTIALLY REFUNDED",
    "REFUNDED",
    "Payment Transaction",
    "¥110,000",
    "¥88,000",
)
JAPANESE = Words(
    "メールアドレス",
    "パスワード",
    "ログイン",
    "取引",
    "請求管理",
    "請求書",
    "請求先",
    "検索",
    "詳細",
    "返金",
    "請求金額の返金",
    "一部返金",
    "全額返金",
    "返金額",
    "次へ：確認",
    "一部返金済み",
    "返金済み",
    "決済トランザクション",
    "￥110,000",
    "￥88,000",
)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("page", "words"), [("en-US", ENGLISH), ("ja-JP", JAPANESE)], indirect=["page"], ids=["english", "japanese"]
)
def test_operator_refunds_22000_then_the_rest_of_inv_2026_0001(
    page: Page, live_server: LiveServer, words: Words
) -> None:
    link = PaymentLink.objects.get(invoice__number="INV-2026-0001")
    # The demo's localstripe is shared by the session: an earlier test may have refunded this charge already.
    refunded_at_stripe_before = gateway.retrieve_charge_amount_refunded(charge_id=link.stripe_charge_id)
    w = words
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(w.email).fill("operator@demo.test")
    page.get_by_label(w.password).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=w.log_in).click()

    # Transactions > Billing Management > Billing Invoices tab > search > Details
    page.get_by_text(w.transactions, exact=True).click()
    page.get_by_role("link", name=w.billing_management).click()
    expect(page.get_by_role("tab", name=w.billing_invoices)).to_have_attribute("aria-selected", "true")
    page.get_by_label(w.bill_to).fill("Sakura")
    page.get_by_role("button", name=w.search).click()
    page.get_by_role("row").filter(has_text="INV-2026-0001").get_by_role("link", name=w.details).click()

    # Check Bill to and Billing Amount, then Refund
    expect(page.get_by_test_id("bill-to")).to_contain_text("Sakura Trading Co., Ltd.")
    expect(page.get_by_test_id("billing-amount")).to_have_text(w.yen_110000)
    page.get_by_test_id("refund-button").click()

    # The modal: check Billing Invoice No. and Refundable Amount, enter the amount to return
    modal = page.get_by_role("dialog", name=w.modal_title)
    expect(modal).to_be_visible()
    expect(modal.get_by_test_id("modal-invoice-number")).to_have_text("INV-2026-0001")
    expect(modal.get_by_test_id("modal-refundable")).to_have_text(w.yen_110000)
    modal.get_by_label(w.partial).check()
    modal.get_by_label(w.refund_amount).fill("22000")
    expect(modal.get_by_test_id("refund-preview")).to_contain_text(w.yen_88000)
    expect(modal.get_by_test_id("refund-preview")).to_contain_text(w.partially_refunded)
    modal.get_by_role("button", name=w.next).click()

    # Confirm, then Refund
    confirmation = modal.get_by_test_id("refund-confirmation")
    expect(confirmation).to_contain_text("INV-2026-0001")
    expect(confirmation).to_contain_text("Sakura Trading Co., Ltd.")
    expect(confirmation).to_contain_text("billing@sakura-trading.example")
    # An impatient double click still refunds once.
    modal.get_by_role("button", name=w.refund, exact=True).dblclick()

    expect(page.get_by_test_id("link-status")).to_have_text(w.partially_refunded)
    expect(page.get_by_test_id("refundable-amount")).to_have_text(w.yen_88000)
    expect(page.get_by_test_id("refunds-table")).to_contain_text("re_")

    # The rest: Full refund fills in the Refundable Amount.
    page.get_by_test_id("refund-button").click()
    modal = page.get_by_role("dialog", name=w.modal_title)
    modal.get_by_label(w.full).check()
    expect(modal.get_by_label(w.refund_amount)).to_have_value("88000")
    modal.get_by_role("button", name=w.next).click()
    modal.get_by_role("button", name=w.refund, exact=True).click()
    expect(page.get_by_test_id("link-status")).to_have_text(w.refunded)
    expect(page.get_by_test_id("refund-button")).to_have_count(0)

    # In the invoice list, and at Stripe
    page.goto(f"{live_server.url}/billing/?number=INV-2026-0001")
    expect(page.get_by_role("row").filter(has_text="INV-2026-0001")).to_contain_text(w.refunded)
    refunded_at_stripe = gateway.retrieve_charge_amount_refunded(charge_id=link.stripe_charge_id)
    assert refunded_at_stripe - refunded_at_stripe_before == 110_000
    assert len(mail.outbox) == 2
    assert sorted(Refund.objects.filter(payment_link=link).values_list("amount", flat=True)) == [22_000, 88_000]
