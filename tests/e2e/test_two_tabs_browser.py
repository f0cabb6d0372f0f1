"""Two tabs of the same operator confirm the same refund within a second: one refund, and the other tab is told the
payment changed, naming the refund that changed it, with the fresh figures to confirm again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.devtools.demo import DEMO_PASSWORD
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund


def _a_paid_demo_payment() -> PaymentLink:
    # Not INV-2026-0001: other browser tests refund that charge on the session's shared localstripe.
    link = (
        PaymentLink.objects.select_related("invoice")
        .filter(
            status=PaymentLinkStatus.PAID,
            amount_paid__gte=44_000,
            addon_contract__isnull=False,
            invoice__organization__memberships__user__email="operator@demo.test",
        )
        .exclude(invoice__number="INV-2026-0001")
        .order_by("-invoice__number")
        .first()
    )
    assert link is not None, "the demo has a paid payment to refund"
    return link


def _up_to_confirmation(tab: Page, url: str) -> None:
    tab.goto(url)
    tab.get_by_test_id("refund-button").click()
    modal = tab.get_by_role("dialog", name="Refund Billing Amount")
    modal.get_by_label("Partial refund").check()
    modal.get_by_label("Refund Amount").fill("22000")
    modal.get_by_role("button", name="Next: confirm").click()
    expect(modal.get_by_test_id("refund-confirmation")).to_contain_text("¥22,000")


@pytest.mark.usefixtures("demo")
def test_two_tabs_confirming_the_same_refund_make_one_refund_and_name_it_in_the_other(
    browser: Browser, live_server: LiveServer
) -> None:
    link = _a_paid_demo_payment()
    paid = link.amount_paid
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    try:
        first, second = context.new_page(), context.new_page()
        first.goto(f"{live_server.url}/accounts/login/")
        first.get_by_label("Email address").fill("operator@demo.test")
        first.get_by_label("Password").fill(DEMO_PASSWORD)
        first.get_by_role("button", name="Log in").click()
        detail = f"{live_server.url}/billing/invoices/{link.invoice_id}/"
        _up_to_confirmation(first, detail)
        _up_to_confirmation(second, detail)

        # Both confirm within a second.
        first.get_by_role("dialog").get_by_role("button", name="Refund", exact=True).click()
        second.get_by_role("dialog").get_by_role("button", name="Refund", exact=True).click()

        refused = second.get_by_test_id("refund-error")
        expect(refused).to_contain_text("This payment changed after the form was opened")
        # Named as it stands: still awaiting Stripe, or already refunded.
        expect(refused).to_contain_text(re.compile(r"(a refund of ¥22,000 was requested|¥22,000 was refunded) at"))
        expect(refused).to_contain_text("by operator@demo.test")
        left = f"¥{paid - 22_000:,}"
        expect(refused).to_contain_text(f"The Refundable Amount is now {left}")
        # The fresh figures, to be confirmed again.
        expect(second.get_by_test_id("modal-refundable")).to_have_text(left)
        second.screenshot(path="var/e2e/two-tabs-payment-changed.png", full_page=True)
        expect(first.get_by_test_id("link-status")).to_have_text("PARTIALLY REFUNDED")
        assert Refund.objects.filter(payment_link=link).count() == 1
    finally:
        context.close()
