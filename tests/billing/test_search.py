from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, User
from invoicedesk.billing.models import PaymentMethod
from invoicedesk.billing.selectors import Cursor, InvoiceFilters, invoice_page
from invoicedesk.payments.models import PaymentLinkStatus
from tests import factories

pytestmark = pytest.mark.django_db


def numbers(client: Client, **params: str | list[str]) -> list[str]:
    response = client.get("/billing/", params)
    assert response.status_code == 200
    page = response.context["page"]
    assert page is not None, response.context["form"].errors
    return [invoice.number for invoice in page.rows]


@pytest.fixture
def catalogue(org: Organization) -> None:
    sakura = factories.buyer(org, "Sakura Trading Co., Ltd.")
    shoji = factories.buyer(org, "株式会社さくら商事")
    fuji = factories.buyer(org, "Fuji Components K.K.")
    factories.invoice(
        org,
        number="INV-2026-0001",
        bill_to=sakura,
        amount=110_000,
        issue_date=date(2026, 1, 10),
        link_status=PaymentLinkStatus.PAID,
    )
    factories.invoice(
        org,
        number="INV-2026-0002",
        bill_to=shoji,
        amount=22_000,
        issue_date=date(2026, 2, 10),
        link_status=PaymentLinkStatus.PARTIALLY_REFUNDED,
    )
    factories.invoice(
        org,
        number="INV-2026-0010",
        bill_to=fuji,
        amount=55_000,
        issue_date=date(2026, 3, 10),
        link_status=PaymentLinkStatus.UNPAID,
    )
    factories.invoice(
        org,
        number="INV-2025-0100",
        bill_to=fuji,
        amount=330_000,
        issue_date=date(2025, 12, 1),
        payment_method=PaymentMethod.BANK_TRANSFER,
    )
    factories.invoice(
        org,
        number="INV-2026-0011",
        bill_to=sakura,
        amount=5_500,
        issue_date=date(2026, 3, 20),
        payment_method=PaymentMethod.CARD_AT_ORDER,
    )


@pytest.mark.usefixtures("catalogue")
class TestFilters:
    def test_no_filter_lists_everything_newest_first(self, operator_client: Client) -> None:
        assert numbers(operator_client) == [
            "INV-2026-0011",
            "INV-2026-0010",
            "INV-2026-0002",
            "INV-2026-0001",
            "INV-2025-0100",
        ]

    def test_number_exact(self, operator_client: Client) -> None:
        assert numbers(operator_client, number="INV-2026-0001") == ["INV-2026-0001"]

    def test_number_prefix(self, operator_client: Client) -> None:
        assert numbers(operator_client, number="INV-2026-001") == ["INV-2026-0011", "INV-2026-0010"]

    def test_number_is_not_a_substring_search(self, operator_client: Client) -> None:
        assert numbers(operator_client, number="2026-0001") == []

    def test_bill_to_partial_case_insensitive(self, operator_client: Client) -> None:
        assert numbers(operator_client, bill_to="sakura") == ["INV-2026-0011", "INV-2026-0001"]
        assert numbers(operator_client, bill_to="COMPONENTS") == ["INV-2026-0010", "INV-2025-0100"]

    def test_bill_to_japanese(self, operator_client: Client) -> None:
        assert numbers(operator_client, bill_to="さくら") == ["INV-2026-0002"]
        assert numbers(operator_client, bill_to="商事") == ["INV-2026-0002"]

    def test_issue_date_range_is_inclusive(self, operator_client: Client) -> None:
        assert numbers(operator_client, issued_from="2026-02-10", issued_to="2026-03-10") == [
            "INV-2026-0010",
            "INV-2026-0002",
        ]

    def test_amount_range_accepts_operator_notation(self, operator_client: Client) -> None:
        assert numbers(operator_client, amount_min="２２，０００", amount_max="¥55,000") == [
            "INV-2026-0010",
            "INV-2026-0002",
        ]

    def test_several_statuses_at_once(self, operator_client: Client) -> None:
        assert numbers(operator_client, status=["PAID", "PARTIALLY_REFUNDED"]) == ["INV-2026-0002", "INV-2026-0001"]

    def test_payment_method(self, operator_client: Client) -> None:
        assert numbers(operator_client, payment_method="bank_transfer") == ["INV-2025-0100"]
        assert numbers(operator_client, payment_method="card_at_order") == ["INV-2026-0011"]

    def test_filters_combine(self, operator_client: Client) -> None:
        assert numbers(operator_client, bill_to="sakura", status=["PAID"], amount_min="100000") == ["INV-2026-0001"]

    @pytest.mark.parametrize(
        ("sort", "expected_first"),
        [
            ("amount", "INV-2026-0011"),
            ("-amount", "INV-2025-0100"),
            ("issue_date", "INV-2025-0100"),
            ("due_date", "INV-2025-0100"),
            ("-due_date", "INV-2026-0011"),
        ],
    )
    def test_sort(self, operator_client: Client, sort: str, expected_first: str) -> None:
        assert numbers(operator_client, sort=sort)[0] == expected_first

    @pytest.mark.parametrize(
        ("params", "field", "message"),
        [
            ({"amount_min": "abc"}, "amount_min", "as a number"),
            ({"amount_max": "12.5"}, "amount_max", "no fractional unit"),
            ({"amount_min": "50000", "amount_max": "100"}, "amount_max", "below its start"),
            ({"issued_from": "2026-05-01", "issued_to": "2026-01-01"}, "issued_to", "before its start"),
            ({"issued_from": "yesterday"}, "issued_from", "valid date"),
            ({"status": "SHIPPED"}, "status", "not one of the available choices"),
        ],
    )
    def test_bad_input_shows_a_message_next_to_the_field_and_no_results(
        self, operator_client: Client, params: dict[str, str], field: str, message: str
    ) -> None:
        response = operator_client.get("/billing/", params)
        assert response.status_code == 200
        assert response.context["page"] is None
        assert message in " ".join(response.context["form"].errors[field])
        assert message in response.content.decode()


def test_keyset_pages_cover_every_row_once_forwards_and_back(org: Organization) -> None:
    for day in range(1, 26):
        # Pairs of equal dates test the id tie-breaker.
        factories.invoice(org, number=f"P-{day:03d}", issue_date=date(2026, 1, (day + 1) // 2))
    filters = InvoiceFilters()
    seen: list[str] = []
    pages = []
    cursor: Cursor | None = None
    while True:
        page = invoice_page(organization=org, filters=filters, sort="-issue_date", after=cursor, size=7)
        pages.append(page)
        seen += [row.number for row in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 25 and len(set(seen)) == 25
    assert [len(p.rows) for p in pages] == [7, 7, 7, 4]
    assert pages[0].previous_cursor is None
    # Walk back from the last page: the same rows in the same order.
    back = invoice_page(organization=org, filters=filters, sort="-issue_date", before=pages[3].previous_cursor, size=7)
    assert [r.number for r in back.rows] == [r.number for r in pages[2].rows]
    first = invoice_page(organization=org, filters=filters, sort="-issue_date", before=pages[1].previous_cursor, size=7)
    assert [r.number for r in first.rows] == [r.number for r in pages[0].rows]
    assert first.previous_cursor is None


def test_count_is_capped_so_huge_results_are_not_counted(org: Organization, settings: object) -> None:
    settings.BILLING_COUNT_LIMIT = 3  # type: ignore[attr-defined]
    for _ in range(5):
        factories.invoice(org)
    page = invoice_page(organization=org, filters=InvoiceFilters())
    assert page.total == 4 and not page.total_is_exact


def test_page_renders_the_columns_and_pager(operator_client: Client, org: Organization, settings: object) -> None:
    settings.BILLING_PAGE_SIZE = 2  # type: ignore[attr-defined]
    for n in range(3):
        factories.invoice(org, number=f"INV-COL-{n}", amount=110_000)
    html = operator_client.get("/billing/").content.decode()
    for label in [
        "Billing Invoice No.",
        "Bill to",
        "Issue date",
        "Due date",
        "Billing Amount",
        "Payment method",
        "Online Payment Link Status",
        "Details",
        "¥110,000",
        "UNPAID",
        'rel="next"',
    ]:
        assert label in html, label
    next_url = operator_client.get("/billing/").context["page"].next_cursor.encode()
    second = operator_client.get("/billing/", {"after": next_url})
    assert [r.number for r in second.context["page"].rows] == ["INV-COL-0"]


@pytest.mark.parametrize(
    "params",
    [
        {"after": "~~not-a-cursor"},
        {"before": "x~1"},  # a 500 before (issue 23)
        {"after": "-99999999999999999999~1", "sort": "amount"},
        {"after": "-99999999999999999999~1"},
        {"after": "2026-02-30~1"},
        {"after": "2026-01-01~²"},
        {"after": "2026-01-01~99999999999999999999"},
    ],
)
def test_a_page_link_that_is_not_ours_is_422_with_a_message(
    operator_client: Client, org: Organization, params: dict[str, str]
) -> None:
    factories.invoice(org, number="ONLY-1")
    response = operator_client.get("/billing/", params)
    assert response.status_code == 422
    assert "This page link is not valid" in response.content.decode()
    assert numbers(operator_client) == ["ONLY-1"]  # the first page, from the error page's link


def test_viewer_may_search(org: Organization, login: Callable[[User], Client]) -> None:
    from invoicedesk.accounts.models import Role

    factories.invoice(org, number="V-1")
    assert numbers(login(factories.member(org, Role.VIEWER)), number="V-1") == ["V-1"]
