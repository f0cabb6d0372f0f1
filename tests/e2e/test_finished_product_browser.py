"""Issue 21 in the browser, at 1280 and 390 px in English and Japanese: the lists as cards on a phone, the Audit
log in words, the approver's email link, the dialog's buttons. Screenshots stay in var/e2e."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.demo import DEMO_ORGANIZATION, DEMO_PASSWORD
from tests.e2e.test_operator_experience_browser import PAGE_OVERFLOW, log_in

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", "var/e2e"))
WIDTHS = [1280, 390]
LANGUAGES = ["en", "ja"]
DETAILS = {"en": "Details", "ja": "詳細"}
CARDS_OVERFLOW = "Math.max(0, ...[...document.querySelectorAll('.card-table')].map(e => e.scrollWidth - e.clientWidth))"
# How many lines each time's text takes (one rectangle per line box of its text).
TIME_LINES = (
    "[...document.querySelectorAll('[data-testid=audit-table] td.nowrap')]"
    ".map(td => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; })"
)


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


def _demo_refund(amount: int) -> None:
    """A refund as the operator's form makes it; the worker (run at once here) records Stripe's answer."""
    import uuid

    from invoicedesk.accounts.models import Membership
    from invoicedesk.refunds.models import RefundClassification
    from invoicedesk.refunds.services import RefundInput, refund_request

    operator = Membership.objects.get(user__email="operator@demo.test", organization__name=DEMO_ORGANIZATION)
    invoice = BillingInvoice.objects.get(number="INV-2026-0001", organization=operator.organization)
    refund_request(
        actor=operator,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=amount,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_audit_log_reads_in_words(browser: Browser, live_server: LiveServer, width: int, language: str) -> None:
    _demo_refund(22_000)
    context = _context(browser, width)
    page = context.new_page()
    try:
        log_in(page, live_server, "admin@demo.test", language=language)
        page.goto(f"{live_server.url}/billing/audit/")
        table = page.get_by_test_id("audit-table")
        expect(table).to_contain_text(
            "Status: Processing → Succeeded" if language == "en" else "ステータス：処理中 → 完了"
        )
        expect(table).to_contain_text("INV-2026-0001")
        text = table.inner_text()
        assert "#" not in text and "{'" not in text and "refunds.Refund" not in text
        # Times stay on one line.
        heights = page.evaluate(TIME_LINES)
        assert heights and set(heights) == {1}, heights
        assert page.evaluate(PAGE_OVERFLOW) == 0
        _shot(page, f"issue21-audit-{width}-{language}")
        # The object links to its page.
        table.get_by_role("link").filter(has_text="INV-2026-0001").first.click()
        expect(page.get_by_test_id("invoice-number")).to_have_text("INV-2026-0001")
    finally:
        context.close()


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_approvers_email_link_opens_the_request_after_sign_in(
    browser: Browser, live_server: LiveServer, settings: Any, width: int, language: str
) -> None:
    from django.core import mail

    from invoicedesk.accounts.models import ApprovalPolicy, Organization, User

    settings.SITE_URL = live_server.url
    Organization.objects.filter(name=DEMO_ORGANIZATION).update(refund_approval_policy=ApprovalPolicy.ALWAYS)
    User.objects.filter(email="approver@demo.test").update(language=language)
    _demo_refund(60_000)
    [message] = [m for m in mail.outbox if m.to == ["approver@demo.test"]]
    [link] = [word for word in message.body.split() if word.startswith(live_server.url)]
    assert "INV-2026-0001" in message.body and "operator@demo.test" in message.body
    context = _context(browser, width)
    page = context.new_page()
    try:
        page.goto(link)  # as a mail client opens it: not signed in yet
        page.locator("input[name=username]").fill("approver@demo.test")
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("main button[type=submit]").first.click()
        expect(page.get_by_test_id("approval-request")).to_contain_text("operator@demo.test")
        assert page.url == link
        assert page.evaluate(PAGE_OVERFLOW) == 0
        _shot(page, f"issue21-approval-from-email-{width}-{language}")
    finally:
        context.close()
