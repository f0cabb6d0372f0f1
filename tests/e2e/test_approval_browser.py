"""Maker-checker in the browser: an operator's refund above the threshold waits; approver@demo.test approves it
on the Approvals page; it executes, the status becomes PARTIALLY REFUNDED and the buyer is emailed.
In English and in Japanese."""

from dataclasses import dataclass

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.accounts.models import ApprovalPolicy, Organization
from invoicedesk.devtools.demo import DEMO_ORGANIZATION, DEMO_PASSWORD
from invoicedesk.refunds.models import Refund, RefundStatus


@dataclass(frozen=True)
class Words:
    email: str
    password: str
    log_in: str
    refund: str
    partial: str
    refund_amount: str
    next: str
    pending_approval: str
    approvals: str
    open: str
    approve: str
    partially_refunded: str
    request_approval: str


ENGLISH = Words(
    "Email address", "Password", "Log in", "Refund", "Partial refund", "Refund Amount", "Next: confirm",
    "Pending approval", "Approvals", "Open", "Approve", "PARTIALLY REFUNDED", "Request approval",
)  # fmt: skip
JAPANESE = Words(
    "メールアドレス", "パスワード", "ログイン", "返金", "一部返金", "返金額", "次へ：確認",
    "承認待ち", "承認待ち", "開く", "承認", "一部返金済み", "承認を依頼",
)  # fmt: skip


def log_in(page: Page, live_server: LiveServer, w: Words, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(w.email).fill(email)
    page.get_by_label(w.password).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=w.log_in).click()


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("page", "words"), [("en-US", ENGLISH), ("ja-JP", JAPANESE)], indirect=["page"], ids=["english", "japanese"]
)
def test_a_refund_above_the_threshold_waits_and_executes_once_approved(
    page: Page, browser: Browser, live_server: LiveServer, words: Words
) -> None:
    Organization.objects.filter(name=DEMO_ORGANIZATION).update(
        refund_approval_policy=ApprovalPolicy.ABOVE, refund_approval_threshold_amount=50_000
    )
    w = words
    log_in(page, live_server, w, "operator@demo.test")
    page.goto(f"{live_server.url}/billing/?number=INV-2026-0001")
    page.get_by_role("row").filter(has_text="INV-2026-0001").get_by_role("link").first.click()
    detail_url = page.url
    page.get_by_test_id("refund-button").click()
    modal = page.get_by_role("dialog")
    modal.get_by_label(w.partial).check()
    modal.get_by_label(w.refund_amount).fill("60000")
    modal.get_by_role("button", name=w.next).click()
    expect(modal.get_by_test_id("needs-approval")).to_be_visible()
    # The button says what it does: the refund only waits for approval.
    expect(modal.get_by_role("button", name=w.refund, exact=True)).to_have_count(0)
    modal.get_by_role("button", name=w.request_approval, exact=True).click()
    expect(page.get_by_test_id("refunds-table")).to_contain_text(w.pending_approval)
    assert Refund.objects.get(amount=60_000).status == RefundStatus.PENDING_APPROVAL
    assert not [m for m in mail.outbox if m.to == ["billing@sakura-trading.example"]]  # approvers were asked

    locale = "ja-JP" if w is JAPANESE else "en-US"
    approver_context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    approver = approver_context.new_page()
    approver.set_default_timeout(15_000)
    try:
        log_in(approver, live_server, w, "approver@demo.test")
        menu = approver.get_by_test_id("approvals-menu")
        expect(menu).to_contain_text("1")
        menu.click()
        row = approver.get_by_test_id("approvals-table").get_by_role("row").filter(has_text="INV-2026-0001")
        row.get_by_role("link", name=w.open).click()
        expect(approver.get_by_test_id("approval-request")).to_contain_text("operator@demo.test")
        approver.get_by_role("button", name=w.approve, exact=True).click()
        expect(approver.get_by_test_id("no-approvals")).to_be_visible()
    finally:
        approver_context.close()

    page.goto(detail_url)
    expect(page.get_by_test_id("link-status")).to_have_text(w.partially_refunded)
    assert Refund.objects.get(amount=60_000).status == RefundStatus.SUCCEEDED
    assert len([m for m in mail.outbox if m.to == ["billing@sakura-trading.example"]]) == 1
