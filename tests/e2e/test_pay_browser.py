"""A buyer opens the payment link in the browser and pays with the test-mode card form (localstripe).

localstripe's fake Stripe.js cannot take a card number, so against localstripe the
pay page shows our clearly marked test-mode form; the server turns the number
into a PaymentMethod and confirms through the SDK.
"""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.accounts.models import Role
from invoicedesk.devtools.demo import DEMO_PASSWORD
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.payments.models import PaymentLinkStatus
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_operator_issues_a_link_and_the_buyer_pays_it(
    page: Page, live_server: LiveServer, stripe_server: LocalStripe
) -> None:
    org = factories.organization("Demo Seller Inc.")
    factories.member(org, Role.OPERATOR, email="operator@example.test")
    operator = org.memberships.get().user
    operator.set_password(DEMO_PASSWORD)
    operator.save()
    bill_to = factories.buyer(org, "Sakura Trading Co., Ltd.", language="en")  # the pay page speaks the buyer's
    invoice = factories.invoice(org, number="INV-2026-0777", bill_to=bill_to, amount=22_000, link_status=None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill("operator@example.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    page.get_by_role("button", name="Issue Online Payment Link").click()
    expect(page.get_by_text("Payment link issued.")).to_be_visible()
    pay_url = page.get_by_test_id("payment-link-url").input_value()
    assert pay_url.startswith(f"{live_server.url}/pay/")

    buyer = page.context.browser.new_context(locale="en-US").new_page()  # type: ignore[union-attr]
    buyer.goto(pay_url)
    expect(buyer.get_by_test_id("invoice-number")).to_have_text("INV-2026-0777")
    expect(buyer.get_by_test_id("billing-amount")).to_have_text("¥22,000")
    expect(buyer.get_by_text("TEST MODE")).to_be_visible()
    buyer.get_by_label("Card number").fill("4000 0000 0000 0341")
    buyer.get_by_role("button", name="Pay ¥22,000").click()
    expect(buyer.get_by_test_id("pay-error")).to_contain_text("declined")
    buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
    buyer.get_by_role("button", name="Pay ¥22,000").click()
    expect(buyer.get_by_test_id("pay-result")).to_contain_text("Payment received. Thank you.")
    buyer.screenshot(path="var/e2e/buyer-paid.png")
    buyer.context.close()

    invoice.payment_link.refresh_from_db()
    assert invoice.payment_link.status == PaymentLinkStatus.PAID
    page.reload()
    expect(page.get_by_test_id("link-status")).to_have_text("PAID")
    page.get_by_role("tab", name="Payment Transaction").click()
    expect(page.get_by_role("row").filter(has_text=invoice.payment_link.stripe_payment_intent_id)).to_contain_text(
        "¥22,000"
    )
