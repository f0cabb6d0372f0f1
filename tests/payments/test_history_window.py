"""The Payment Transaction tab shows the newest entries and an "Older entries" link (htmx), never the whole
history: its time does not grow with the history's length."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.history import HistoryMessage, history_record
from invoicedesk.payments.models import PaymentLinkStatus, TransactionKind
from invoicedesk.payments.selectors import HISTORY_WINDOW
from tests import factories


def invoice_with_history(org: Organization, entries: int) -> BillingInvoice:
    invoice = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    start = timezone.now() - timedelta(days=1)
    for n in range(entries):
        history_record(
            link=invoice.payment_link,
            kind=TransactionKind.PAYMENT,
            parts=[(HistoryMessage.PAID_BY_CARD, {"charge": f"ch_{n:04d}"})],
            amount=1000,
            status="PAID",
            stripe_reference=f"pi_{n:04d}",
            actor_label="Stripe",
            # Two entries share each second: the window's order must not depend on times alone.
            created_at=start + timedelta(seconds=n // 2),
        )
    return invoice


def references(html: str) -> list[str]:
    return [part.split("<", 1)[0] for part in re.split(r'class="mono"[^>]*>pi_', html)[1:]]


@pytest.mark.django_db
def test_the_tab_shows_the_newest_window_and_older_entries_come_in_order_without_gaps(
    org: Organization, operator_client: Client
) -> None:
    entries = HISTORY_WINDOW * 2 + 7
    invoice = invoice_with_history(org, entries)
    page = operator_client.get(f"/billing/invoices/{invoice.pk}/?tab=transactions").content.decode()
    seen = references(page)
    assert seen == [f"{n:04d}" for n in range(entries - 1, entries - 1 - HISTORY_WINDOW, -1)]
    assert 'data-testid="history-older"' in page
    while True:
        before = page.split("before=", 1)[1].split('"', 1)[0]
        page = operator_client.get(
            f"/billing/invoices/{invoice.pk}/?tab=transactions&before={before}", headers={"hx-request": "true"}
        ).content.decode()
        assert "<html" not in page  # only rows, for htmx to put in place of the link's row
        seen += references(page)
        if 'data-testid="history-older"' not in page:
            break
    assert seen == [f"{n:04d}" for n in range(entries - 1, -1, -1)]


@pytest.mark.django_db
def test_without_htmx_the_older_link_opens_a_whole_page_that_leads_back(
    org: Organization, operator_client: Client
) -> None:
    invoice = invoice_with_history(org, HISTORY_WINDOW + 3)
    first = operator_client.get(f"/billing/invoices/{invoice.pk}/?tab=transactions").content.decode()
    before = first.split("before=", 1)[1].split('"', 1)[0]
    operator_client.cookies["django_language"] = "ja"
    older = operator_client.get(
        f"/billing/invoices/{invoice.pk}/?tab=transactions&before={before}", headers={"accept-language": "ja"}
    ).content.decode()
    assert "<html" in older and references(older) == ["0002", "0001", "0000"]
    assert 'data-testid="history-older"' not in older
    assert "最新の履歴に戻る" in older  # "Back to the newest entries", in the reader's language


@pytest.mark.django_db
def test_the_tab_runs_the_same_queries_for_ten_entries_and_for_three_hundred(
    org: Organization, operator_client: Client
) -> None:
    def queries(invoice: BillingInvoice) -> int:
        operator_client.get(f"/billing/invoices/{invoice.pk}/?tab=transactions")  # warm caches
        with CaptureQueriesContext(connection) as captured:
            response: Any = operator_client.get(f"/billing/invoices/{invoice.pk}/?tab=transactions")
        assert response.status_code == 200
        return len(captured)

    assert queries(invoice_with_history(org, 10)) == queries(invoice_with_history(org, 300))


@pytest.mark.django_db
def test_an_older_link_from_another_invoice_shows_nothing_of_it(org: Organization, operator_client: Client) -> None:
    mine = invoice_with_history(org, 3)
    theirs = invoice_with_history(factories.organization("Other K.K."), 3)
    foreign = theirs.payment_link.transactions.order_by("-id").first()
    assert foreign is not None
    page = operator_client.get(
        f"/billing/invoices/{mine.pk}/?tab=transactions&before={foreign.pk}", headers={"hx-request": "true"}
    ).content.decode()
    assert references(page) == []
