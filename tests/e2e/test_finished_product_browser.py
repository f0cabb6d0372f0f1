"""Issue 21 in the browser, at 1280 and 390 px in English and Japanese: the lists as cards on a phone, the Audit
log in words, the approver's email link, the dialog's buttons. Screenshots stay in var/e2e."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.billing.models import BillingInvoice
from tests.e2e.test_operator_experience_browser import PAGE_OVERFLOW, log_in

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", "var/e2e"))
WIDTHS = [1280, 390]
LANGUAGES = ["en", "ja"]
DETAILS = {"en": "Details", "ja": "詳細"}
CARDS_OVERFLOW = "Math.max(0, ...[...document.querySelectorAll('.card-table')].map(e => e.scrollWidth - e.clientWidth))"


def _context(browser: Browser, width: int) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.set_default_timeout(15_000)
    return context


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_searching_0001_shows_its_row_with_status_and_details_without_sideways_scroll(
    browser: Browser, live_server: LiveServer, width: int, language: str
) -> None:
    context = _context(browser, width)
    page = context.new_page()
    try:
        log_in(page, live_server, "admin@demo.test", language=language)
        page.goto(f"{live_server.url}/billing/")
        filters = page.get_by_test_id("filters-toggle")
        if width < 760:
            expect(filters).to_be_visible()  # the detailed filters are folded behind it
            expect(page.locator("details.filters")).not_to_have_attribute("open", "")
        else:
            expect(filters).to_be_hidden()  # the desktop form is as it was
        search = page.locator("input[name=q]")
        search.fill("0001")
        search.press("Enter")
        page.wait_for_load_state()
        row = page.locator("#results tbody tr").filter(has_text="INV-2026-0001")
        expect(row).to_have_count(1)
        expect(row.locator(".status")).to_be_visible()
        expect(row.locator(".status")).to_be_in_viewport()  # the search went to its results
        details = row.get_by_role("link", name=f"{DETAILS[language]} INV-2026-0001")
        expect(details).to_be_visible()
        expect(row.get_by_role("link", name="INV-2026-0001", exact=True)).to_be_visible()  # the number is a link too
        assert page.evaluate(PAGE_OVERFLOW) == 0
        if width < 760:
            box = row.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            assert page.evaluate("document.querySelector('#results .table-scroll').scrollWidth") <= width
        _shot(page, f"issue21-list-0001-{width}-{language}")

        for name, path in {"refunds": "/billing/refunds/", "approvals": "/approvals/", "alerts": "/alerts/"}.items():
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate(PAGE_OVERFLOW) == 0, name
            _shot(page, f"issue21-{name}-{width}-{language}")
        invoice = BillingInvoice.objects.get(number="INV-2026-0001")
        page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/?tab=transactions")
        assert page.evaluate(PAGE_OVERFLOW) == 0
        if width < 760:
            # Nothing of the history hides behind a sideways scroll on a phone.
            assert page.evaluate(CARDS_OVERFLOW) == 0
        _shot(page, f"issue21-history-{width}-{language}")
    finally:
        context.close()


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_a_mixed_rate_invoice_shows_its_lines_on_the_page_and_beside_the_split(
    browser: Browser, live_server: LiveServer, width: int, language: str
) -> None:
    invoice = BillingInvoice.objects.get(number="INV-2026-0301")
    context = _context(browser, width)
    page = context.new_page()
    try:
        log_in(page, live_server, "operator@demo.test", language=language)
        page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
        lines = page.get_by_test_id("invoice-lines")
        expect(lines).to_be_visible()
        beans = lines.get_by_test_id("invoice-line").filter(has_text="Coffee beans")
        expect(beans.get_by_test_id("reduced-mark")).to_have_text("※")
        expect(
            lines.get_by_test_id("invoice-line").filter(has_text="coffee machine").get_by_test_id("reduced-mark")
        ).to_have_count(0)
        assert page.evaluate(PAGE_OVERFLOW) == 0
        _shot(page, f"issue21-lines-{width}-{language}")
        page.get_by_test_id("refund-button").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_test_id("invoice-lines")).to_be_visible()
        expect(dialog.get_by_test_id("split-fields")).to_be_visible()
        # Focus starts on the first control of the form (a refund type), not on the heading.
        assert page.evaluate("document.activeElement.name") == "classification"
        _shot(page, f"issue21-modal-lines-{width}-{language}")
    finally:
        context.close()
