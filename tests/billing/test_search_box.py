"""The one Search box: any part of number, company, contact, email; an exact amount; last four digits; Stripe ids."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.billing import selectors
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.billing.selectors import InvoiceFilters, SearchTerm, invoice_page
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund
from tests import factories

pytestmark = pytest.mark.django_db


def found(client: Client, q: str, **params: str) -> list[str]:
    response = client.get("/billing/", {"q": q, **params})
    assert response.status_code == 200
    page = response.context["page"]
    assert page is not None, response.context["form"].errors
    return sorted(invoice.number for invoice in page.rows)


def _paid(invoice: BillingInvoice, *, intent: str, charge: str, last4: str) -> PaymentLink:
    link = invoice.payment_link
    link.stripe_payment_intent_id, link.stripe_charge_id = intent, charge
    link.card_brand, link.card_last4 = "visa", last4
    link.save()
    return link


@pytest.fixture
def payments(org: Organization, other_org: Organization) -> None:
    sakura = factories.buyer(
        org, "Sakura Trading Co., Ltd.", contact_name="Haruka Sato", email="billing@sakura-trading.example"
    )
    fuji = factories.buyer(org, "Fuji Components K.K.", contact_name="佐藤 春香", email="ap@fuji.example")
    first = factories.invoice(
        org, number="INV-2026-0001", bill_to=sakura, amount=110_000, link_status=PaymentLinkStatus.PAID
    )
    link = _paid(first, intent="pi_3SakuraIntent01", charge="ch_3SakuraCharge01", last4="4242")
    Refund.objects.create(
        organization=org,
        payment_link=link,
        amount=22_000,
        currency="JPY",
        classification="PARTIAL",
        status="SUCCEEDED",
        stripe_refund_id="re_3SakuraRefund01",
        succeeded_at=timezone.now(),
    )
    second = factories.invoice(
        org, number="INV-2026-0020", bill_to=fuji, amount=55_000, link_status=PaymentLinkStatus.PAID
    )
    _paid(second, intent="pi_3FujiIntent0002", charge="ch_3FujiCharge0002", last4="0005")
    factories.invoice(org, number="INV-2025-0100", bill_to=fuji, amount=1_100, issue_date=date(2025, 5, 1))
    # Another seller with look-alike data: never found by Demo Seller's staff.
    kita = factories.buyer(
        other_org, "Sakura Trading Co., Ltd.", contact_name="Haruka Sato", email="billing@sakura-trading.example"
    )
    stranger = factories.invoice(
        other_org, number="INV-2026-0001", bill_to=kita, amount=110_000, link_status=PaymentLinkStatus.PAID
    )
    _paid(stranger, intent="pi_3SakuraIntent99", charge="ch_3SakuraCharge99", last4="4242")


@pytest.mark.usefixtures("payments")
class TestEachKindOfTerm:
    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("0001", ["INV-2026-0001"]),  # any part of the number
            ("2026-00", ["INV-2026-0001", "INV-2026-0020"]),
            ("inv-2025", ["INV-2025-0100"]),  # case-insensitive
            ("trading", ["INV-2026-0001"]),  # company
            ("ＳＡＫＵＲＡ", ["INV-2026-0001"]),  # full-width typing
            ("haruka", ["INV-2026-0001"]),  # contact name
            ("佐藤", ["INV-2025-0100", "INV-2026-0020"]),
            ("sakura-trading", ["INV-2026-0001"]),  # email
            ("@fuji.ex", ["INV-2025-0100", "INV-2026-0020"]),
            ("pi_3SakuraIntent01", ["INV-2026-0001"]),  # Stripe ids, whole or their beginning
            ("pi_3Fuji", ["INV-2026-0020"]),
            ("ch_3SakuraCharge01", ["INV-2026-0001"]),
            ("re_3SakuraRefund01", ["INV-2026-0001"]),
            ("110000", ["INV-2026-0001"]),  # an exact amount, as typed
            ("¥110,000", ["INV-2026-0001"]),
            ("110,000", ["INV-2026-0001"]),
            ("１１００", ["INV-2025-0100"]),
            ("4242", ["INV-2026-0001"]),  # the card's last four digits
            ("0005", ["INV-2026-0020"]),
            ("nothing like it", []),
            ("pi_", []),
            ("11000", []),  # an amount is exact, not a part
        ],
    )
    def test_finds(self, operator_client: Client, q: str, expected: list[str]) -> None:
        assert found(operator_client, q) == expected

    def test_combines_with_the_detailed_filters(self, operator_client: Client) -> None:
        assert found(operator_client, "2026", status="PAID", amount_max="60000") == ["INV-2026-0020"]

    def test_marks_what_matched(self, operator_client: Client) -> None:
        html = operator_client.get("/billing/", {"q": "0001"}).content.decode()
        assert "INV-2026-<mark>0001</mark>" in html
        html = operator_client.get("/billing/", {"q": "sakura-trading"}).content.decode()
        assert "billing@<mark>sakura-trading</mark>.example" in html
        html = operator_client.get("/billing/", {"q": "pi_3SakuraIntent01"}).content.decode()
        assert "<mark>pi_3SakuraIntent01</mark>" in html
        html = operator_client.get("/billing/", {"q": "re_3Sakura"}).content.decode()
        assert "<mark>re_3Sakura</mark>Refund01" in html
        html = operator_client.get("/billing/", {"q": "110000"}).content.decode()
        assert "<mark>¥110,000</mark>" in html
        html = operator_client.get("/billing/", {"q": "4242"}).content.decode()
        assert "visa •••• <mark>4242</mark>" in html

    def test_marks_are_escaped(self, operator_client: Client, org: Organization) -> None:
        factories.invoice(org, number="INV-<b>-1", bill_to=factories.buyer(org, "<script>x</script> Co."))
        html = operator_client.get("/billing/", {"q": "<b>"}).content.decode()
        assert "INV-<mark>&lt;b&gt;</mark>-1" in html and "<script>x" not in html

    def test_the_csv_follows_the_search(self, operator_client: Client) -> None:
        response = operator_client.get("/billing/invoices.csv", {"q": "佐藤"})
        body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
        assert "INV-2025-0100" in body and "INV-2026-0020" in body and "INV-2026-0001" not in body


@pytest.mark.usefixtures("payments")
def test_another_organizations_invoices_never_match(org: Organization, other_org: Organization) -> None:
    for q in ("0001", "sakura", "haruka", "sakura-trading", "pi_3SakuraIntent99", "ch_3SakuraCharge99", "4242"):
        for organization, own_intent in ((org, "pi_3SakuraIntent01"), (other_org, "pi_3SakuraIntent99")):
            term = SearchTerm.parse(q, "JPY")
            page = invoice_page(organization=organization, filters=InvoiceFilters(search=term))
            assert {row.organization_id for row in page.rows} <= {organization.pk}
            assert all(row.payment_link.stripe_payment_intent_id in ("", own_intent) for row in page.rows)


@pytest.mark.usefixtures("payments")
@pytest.mark.parametrize("q", ["0001", "2026", "sakura", "佐藤", "110000", "4242", "pi_3Sakura", "re_3Sakura"])
def test_long_match_lists_fall_back_to_conditions_with_the_same_result(
    org: Organization, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    """Listed ids (PostgreSQL's fast path) and plain conditions (a kind with many matches) agree."""
    term = SearchTerm.parse(q, "JPY")
    listed = [row.number for row in invoice_page(organization=org, filters=InvoiceFilters(search=term)).rows]
    monkeypatch.setattr(selectors, "SEARCH_LIST_LIMIT", 0)
    conditions = [row.number for row in invoice_page(organization=org, filters=InvoiceFilters(search=term)).rows]
    assert listed == conditions and listed


def test_what_a_term_can_be() -> None:
    assert SearchTerm.parse("  ¥110,000 ", "JPY") == SearchTerm(text="¥110,000", amount=110_000)
    assert SearchTerm.parse("4242", "JPY") == SearchTerm(text="4242", amount=4242, last4="4242")
    assert SearchTerm.parse("0001", "JPY") == SearchTerm(text="0001", last4="0001")  # no amount: a leading zero
    assert SearchTerm.parse("1.000", "JPY") == SearchTerm(text="1.000")  # ambiguous: no amount
    assert SearchTerm.parse("re_123", "JPY") == SearchTerm(
        text="re_123", stripe_id_field="payment_link__refunds__stripe_refund_id"
    )
    assert SearchTerm.parse("12.50", "USD") == SearchTerm(text="12.50", amount=1250)
    assert SearchTerm.parse("   ", "JPY") is None


def test_a_payment_through_stripe_keeps_its_card_and_is_found_by_it(
    stripe_server: LocalStripe, org: Organization, operator_client: Client
) -> None:
    invoice = factories.pay_through_stripe(factories.invoice(org, number="INV-CARD-1", amount=33_000))
    link = invoice.payment_link
    assert (link.card_brand, link.card_last4) == ("visa", "4242")
    assert found(operator_client, "4242") == ["INV-CARD-1"]
    assert found(operator_client, link.stripe_payment_intent_id) == ["INV-CARD-1"]
    assert found(operator_client, link.stripe_charge_id) == ["INV-CARD-1"]


@pytest.mark.parametrize("sort", ["-issue_date", "issue_date", "amount", "-amount", "-due_date"])
@pytest.mark.parametrize("list_limit", [2000, 0])
def test_search_pages_cover_every_match_once_forwards_and_back(
    org: Organization, monkeypatch: pytest.MonkeyPatch, sort: str, list_limit: int
) -> None:
    """Whether the matches are sorted from a list of ids or by the database, the keyset pages are the same."""
    monkeypatch.setattr(selectors, "SEARCH_LIST_LIMIT", list_limit)
    for day in range(1, 26):
        # Pairs of equal dates and amounts test the id tie-breaker.
        factories.invoice(org, number=f"P-{day:03d}", issue_date=date(2026, 1, (day + 1) // 2), amount=1000 + day // 2)
    factories.invoice(org, number="Q-001")
    filters = InvoiceFilters(search=SearchTerm.parse("p-0", "JPY"))
    pages = []
    cursor = None
    while True:
        page = invoice_page(organization=org, filters=filters, sort=sort, after=cursor, size=7)
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    seen = [row.number for page in pages for row in page.rows]
    assert len(seen) == 25 == len(set(seen)) and pages[0].total == 25
    expected = [
        inv.number
        for inv in BillingInvoice.objects.filter(number__startswith="P-").order_by(sort, "-pk" if "-" in sort else "pk")
    ]
    assert seen == expected
    assert [len(p.rows) for p in pages] == [7, 7, 7, 4] and pages[0].previous_cursor is None
    back = invoice_page(organization=org, filters=filters, sort=sort, before=pages[3].previous_cursor, size=7)
    assert [r.number for r in back.rows] == [r.number for r in pages[2].rows]
    first = invoice_page(organization=org, filters=filters, sort=sort, before=pages[1].previous_cursor, size=7)
    assert [r.number for r in first.rows] == [r.number for r in pages[0].rows] and first.previous_cursor is None
