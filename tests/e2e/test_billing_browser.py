from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.demo import DEMO_PASSWORD
from invoicedesk.payments.history import HistoryMessage, history_record
from invoicedesk.payments.models import TransactionKind
from invoicedesk.payments.selectors import HISTORY_WINDOW


def log_in(page: Page, live_server: LiveServer, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.usefixtures("demo")
def test_operator_finds_sakura_and_sees_the_billing_amount(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server, "operator@demo.test")
    page.get_by_text("Transactions", exact=True).click()
    page.get_by_role("link", name="Billing Management").click()
    expect(page.get_by_role("tab", name="Billing Invoices")).to_have_attribute("aria-selected", "true")

    page.get_by_label("Bill to").fill("Sakura")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text="INV-2026-0001")
    expect(row).to_contain_text("Sakura Trading Co., Ltd.")
    row.get_by_role("link", name="Details").click()

    expect(page.get_by_role("heading", name="Billing Invoice Detail")).to_be_visible()
    expect(page.get_by_test_id("invoice-number")).to_have_text("INV-2026-0001")
    expect(page.get_by_test_id("bill-to")).to_contain_text("Sakura Trading Co., Ltd.")
    expect(page.get_by_test_id("billing-amount")).to_have_text("¥110,000")

    page.get_by_role("tab", name="Payment Transaction").click()
    # Paid through Stripe by the demo data: the PaymentIntent id is in the history.
    link = BillingInvoice.objects.get(number="INV-2026-0001").payment_link
    assert link.stripe_payment_intent_id.startswith("pi_")
    payment_row = page.get_by_role("row").filter(has_text=link.stripe_payment_intent_id)
    expect(payment_row).to_contain_text("Payment")
    expect(payment_row).to_contain_text("¥110,000")
    expect(payment_row).to_contain_text("Stripe")


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("page", ["ja-JP"], indirect=True)
def test_japanese_browser_gets_the_japanese_labels(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("メールアドレス").fill("viewer@demo.test")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="請求管理")).to_be_visible()
    expect(page.get_by_role("tab", name="請求書")).to_be_visible()
    page.get_by_label("請求書番号").fill("INV-2026-0001")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_role("row").filter(has_text="INV-2026-0001")).to_contain_text("￥110,000")


@pytest.mark.usefixtures("demo")
def test_other_organization_sees_none_of_demo_sellers_invoices(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server, "owner@kita.test")
    page.goto(f"{live_server.url}/billing/?bill_to=Sakura")
    # This user saved Japanese as their language, which wins over the English browser.
    expect(page.get_by_text("条件に一致する請求書はありません。")).to_be_visible()
    page.goto(f"{live_server.url}/billing/")
    expect(page.get_by_role("row").filter(has_text="KITA-2026-0001")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="INV-2026-")).to_have_count(0)


@pytest.mark.usefixtures("demo")
def test_a_long_history_shows_the_newest_entries_and_older_ones_on_request(page: Page, live_server: LiveServer) -> None:
    link = BillingInvoice.objects.get(number="INV-2026-0001").payment_link
    long_ago = timezone.now() - timedelta(days=400)
    for n in range(HISTORY_WINDOW + 10):
        history_record(
            link=link,
            kind=TransactionKind.PAYMENT,
            parts=[(HistoryMessage.PAID_BY_CARD, {"charge": f"ch_old_{n:03d}"})],
            amount=1000,
            status="PAID",
            stripe_reference=f"pi_old_{n:03d}",
            actor_label="Stripe",
            created_at=long_ago + timedelta(minutes=n),
        )
    total = link.transactions.count()
    log_in(page, live_server, "operator@demo.test")
    page.goto(f"{live_server.url}/billing/invoices/{link.invoice_id}/?tab=transactions")
    rows = page.get_by_test_id("history-rows").locator("tr")
    expect(rows).to_have_count(HISTORY_WINDOW + 1)  # the newest entries and the row of the "Older entries" link
    expect(page.get_by_role("row").filter(has_text=link.stripe_payment_intent_id)).to_be_visible()
    expect(page.get_by_text("pi_old_000")).to_have_count(0)

    page.get_by_test_id("history-older").click()
    expect(rows).to_have_count(total)  # swapped in place of the link's row: every entry, once, no link left
    expect(page.get_by_text("pi_old_000", exact=True)).to_be_visible()
    expect(page.get_by_test_id("history-older")).to_have_count(0)
