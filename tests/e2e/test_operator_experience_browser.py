"""The refund modal as a dialog, and pages that fit 1280 px and 390 px in English and Japanese."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.demo import DEMO_PASSWORD

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", "var/e2e"))
PAGE_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Wide tables may scroll inside their card on a phone, never on a desktop screen.
TABLE_OVERFLOW = (
    "Math.max(0, ...[...document.querySelectorAll('.table-scroll')].map(e => e.scrollWidth - e.clientWidth))"
)


def log_in(page: Page, live_server: LiveServer, email: str, *, language: str = "en") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.login-form button[type=submit], main button[type=submit]").first.click()
    page.wait_for_url("**/billing/**")
    switch = page.locator(f"form.lang-switcher button[value={language}]")
    if switch.count():
        switch.click()
        page.wait_for_load_state()


@pytest.mark.usefixtures("demo")
def test_the_refund_modal_is_a_dialog_that_keeps_and_returns_focus(page: Page, live_server: LiveServer) -> None:
    invoice = BillingInvoice.objects.get(number="INV-2026-0001")
    log_in(page, live_server, "operator@demo.test")
    page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    refund_button = page.get_by_test_id("refund-button")
    refund_button.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(":focus")).to_have_count(1)  # focus moved into it
    for _ in range(12):  # Tab never leaves it, however often
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(refund_button).to_be_focused()

    refund_button.click()
    page.get_by_label("Partial refund").check()
    amount = page.get_by_label("Refund Amount (JPY)")
    amount.fill("999999")
    page.get_by_role("button", name="Next: confirm").click()
    expect(page.get_by_test_id("amount-error")).to_have_count(1)
    expect(amount).to_be_focused()  # the field that needs fixing
    amount.fill("1000000")
    expect(page.get_by_test_id("refund-preview-error")).to_be_visible()
    # Said once, next to the field: the stale message went when the preview spoke.
    expect(page.get_by_test_id("amount-error")).to_have_count(0)
    assert amount.get_attribute("aria-describedby") == "amount-hint refund-preview"
    expect(page.locator("#refund-preview")).to_have_attribute("aria-live", "polite")
    page.get_by_role("dialog").get_by_label("Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(refund_button).to_be_focused()


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_the_screen(browser: Browser, live_server: LiveServer, width: int, language: str) -> None:
    invoice = BillingInvoice.objects.get(number="INV-2026-0001")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, "admin@demo.test", language=language)
        pages = {
            "list": "/billing/",
            "detail": f"/billing/invoices/{invoice.pk}/",
            "history": f"/billing/invoices/{invoice.pk}/?tab=transactions",
            "settings": "/billing/settings/",
            "audit": "/billing/audit/",
            "alerts": "/alerts/",
        }
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{width}-{language}.png"), full_page=True)
            assert page.evaluate(PAGE_OVERFLOW) == 0, f"{name} overflows the page at {width} px"
            if width >= 1280:
                assert page.evaluate(TABLE_OVERFLOW) == 0, f"{name} hides columns behind a scroll at {width} px"
        page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
        page.get_by_test_id("refund-button").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"layout-modal-{width}-{language}.png"), full_page=True)
        box = page.get_by_role("dialog").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate(PAGE_OVERFLOW) == 0
    finally:
        context.close()
