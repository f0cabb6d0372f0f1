"""A refund made in the Stripe Dashboard reaches the operator: the alert in the menu, the Alerts page, and the
invoice's status, Refundable Amount and Payment Transaction tab — in Japanese."""

import urllib.request

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.devtools.demo import DEMO_PASSWORD
from invoicedesk.payments.models import PaymentLink
from invoicedesk.stripe_integration import gateway
from tests import worker
from tests.stripe_support import event_payload, signature_header


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("page", ["ja-JP"], indirect=True)
def test_a_dashboard_refund_shows_as_an_alert_and_on_the_invoice(page: Page, live_server: LiveServer, settings) -> None:
    # A charge no other browser test refunds: the session's localstripe keeps every test's refunds, whose metadata
    # names refund ids of databases since restored (they would be found as duplicates here).
    link = (
        PaymentLink.objects.select_related("invoice")
        .filter(status="PAID", amount_paid__gte=22_000, addon_contract__isnull=False, paid_currency="JPY")
        .filter(invoice__organization__memberships__user__email="operator@demo.test")
        .exclude(invoice__number="INV-2026-0001")
        .order_by("invoice__number")
        .first()
    )
    assert link is not None
    number, left = link.invoice.number, f"￥{link.amount_paid - 10_000:,}"
    made = gateway.stripe_client().v1.refunds.create(params={"charge": link.stripe_charge_id, "amount": 10_000})
    payload = event_payload(
        "charge.refunded",
        {"id": link.stripe_charge_id, "object": "charge", "payment_intent": link.stripe_payment_intent_id},
        event_id=f"evt_dashboard_{made.id}",
    )
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{live_server.url}/stripe/webhook/",
        data=payload,
        headers={"Stripe-Signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
    worker.run_worker()  # stored by the live server's intake; a worker takes it

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("メールアドレス").fill("operator@demo.test")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    menu = page.get_by_test_id("alerts-menu")
    expect(menu).to_contain_text("1")
    menu.click()
    table = page.get_by_test_id("alerts-table")
    expect(table).to_contain_text("invoicedesk以外で返金が行われました")
    expect(table).to_contain_text("￥10,000")
    page.screenshot(path="var/e2e/alerts-ja.png", full_page=True)
    table.get_by_role("link", name=number).click()

    expect(page.get_by_test_id("link-status")).to_have_text("一部返金済み")
    expect(page.get_by_test_id("refundable-amount")).to_have_text(left)
    refunds = page.get_by_test_id("refunds-table")
    expect(refunds).to_contain_text("Stripeダッシュボード")
    expect(refunds).to_contain_text(made.id)
    expect(page.get_by_text("invoicedesk以外（Stripeダッシュボードや他のシステム）で行われた返金")).to_be_visible()
    page.screenshot(path="var/e2e/outside-refund-ja.png", full_page=True)

    page.goto(f"{live_server.url}/alerts/")
    page.get_by_role("button", name="確認済みにする").click()
    expect(page.get_by_test_id("no-alerts")).to_be_visible()
    expect(page.get_by_test_id("alerts-menu")).not_to_contain_text("1")
