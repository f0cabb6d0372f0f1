"""Back after a refund shows the payment as it is now, never the page as it was before (Chromium keeps a page it
was allowed to keep and shows that copy on Back); and money a refund holds is on the detail page with its requester."""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.accounts.models import ApprovalPolicy, Organization
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.demo import DEMO_ORGANIZATION, DEMO_PASSWORD


def log_in(page: Page, live_server: LiveServer, email: str = "operator@demo.test") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def refund(page: Page, amount: str) -> None:
    page.get_by_test_id("refund-button").click()
    modal = page.get_by_role("dialog")
    modal.get_by_label("Partial refund").check()
    modal.get_by_label("Refund Amount").fill(amount)
    modal.get_by_role("button", name="Next: confirm").click()
    # "Refund", or "Request approval" when the organization's policy holds it.
    modal.get_by_test_id("refund-execute").click()


def detail_url(live_server: LiveServer, number: str) -> str:
    return f"{live_server.url}/billing/invoices/{BillingInvoice.objects.get(number=number).pk}/"


@pytest.mark.usefixtures("demo")
def test_back_after_a_refund_shows_the_new_status_and_refundable_amount(page: Page, live_server: LiveServer) -> None:
    log_in(page, live_server)
    url = detail_url(live_server, "INV-2026-0001")
    page.goto(url)
    expect(page.get_by_test_id("link-status")).to_have_text("PAID")
    expect(page.get_by_test_id("refundable-amount")).to_have_text("¥110,000")

    refund(page, "22000")
    expect(page).to_have_url(re.compile(r"\?tab=transactions$"))
    expect(page.get_by_test_id("link-status")).to_have_text("PARTIALLY REFUNDED")

    page.go_back()
    expect(page).to_have_url(url)
    expect(page.get_by_test_id("link-status")).to_have_text("PARTIALLY REFUNDED")
    expect(page.get_by_test_id("refundable-amount")).to_have_text("¥88,000")
    expect(page.get_by_test_id("refunded-of-paid")).to_have_text("¥22,000 of ¥110,000")

    # The app's own files stay cacheable: no-store is for pages.
    script = page.request.get(f"{live_server.url}/static/js/app.js")
    assert script.ok and "no-store" not in script.headers.get("cache-control", "")


@pytest.mark.usefixtures("demo")
def test_a_refund_held_for_approval_is_shown_with_its_requester_after_back(page: Page, live_server: LiveServer) -> None:
    Organization.objects.filter(name=DEMO_ORGANIZATION).update(refund_approval_policy=ApprovalPolicy.ALWAYS)
    log_in(page, live_server)
    url = detail_url(live_server, "INV-2026-0001")
    page.goto(url)
    refund(page, "60000")
    expect(page).to_have_url(re.compile(r"\?tab=transactions$"))

    page.go_back()
    expect(page).to_have_url(url)
    expect(page.get_by_test_id("link-status")).to_have_text("PAID")
    expect(page.get_by_test_id("held")).to_have_text(
        re.compile(r"^¥60,000 awaiting approval \(requested by operator@demo\.test at \d{4}-\d\d-\d\d \d\d:\d\d JST\)$")
    )
    expect(page.get_by_test_id("refundable-amount")).to_have_text("¥50,000")
    expect(page.get_by_test_id("refundable-explained")).to_have_text("= ¥110,000 paid − ¥0 refunded − ¥60,000 held")


@pytest.mark.usefixtures("demo")
def test_a_money_page_restored_from_the_back_forward_cache_reloads_itself(page: Page, live_server: LiveServer) -> None:
    # Playwright's Chromium runs without a back-forward cache, so the restore is told to the page as Chromium would.
    restore = "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/password_change/")  # no money here: stays as it is
    page.evaluate("window.restoredCopy = true")
    page.evaluate(restore)
    page.wait_for_timeout(300)
    assert page.evaluate("window.restoredCopy") is True

    page.goto(detail_url(live_server, "INV-2026-0001"))
    page.evaluate("window.restoredCopy = true")
    with page.expect_navigation():
        page.evaluate(restore)
    assert page.evaluate("window.restoredCopy") is None
    expect(page.get_by_test_id("link-status")).to_have_text("PAID")
