"""Journal entries for the books, and their exports: refunds per consumption tax rate as the return invoices state
them, Stripe's fee, reversals; each product's column order, encoding and line ends."""

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from invoicedesk.accounting.exports import (
    FREEE_COLUMNS,
    MONEY_FORWARD_COLUMNS,
    YAYOI_COLUMNS,
    EncodingReport,
    ExportFormat,
    export_bytes,
)
from invoicedesk.accounting.journal import EntryKind, JournalEntry, Period, journal_entries
from invoicedesk.accounting.models import AccountingSettings, TaxAccounting
from invoicedesk.accounts.models import Organization, Role, User
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.billing.models import BillingInvoice, InvoiceLine, TaxRate
from invoicedesk.documents.models import DocumentKind, RefundDocument
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _today() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=1), today + timedelta(days=1))


def _entries(org: Organization, kind: EntryKind | None = None) -> list[JournalEntry]:
    found = list(journal_entries(organization=org, period=_today()))
    return [entry for entry in found if kind is None or entry.kind == kind]


def _tax_by_rate(entries: list[JournalEntry]) -> dict[int, tuple[int, int]]:
    totals: dict[int, tuple[int, int]] = {}
    for entry in entries:
        for line in entry.lines:
            if line.rate is not None:
                amount, tax = totals.get(line.rate, (0, 0))
                totals[line.rate] = (amount + line.debit.amount, tax + (line.debit.tax or 0))
    return totals


def test_inv_0001_refunded_22000_is_a_balanced_10_percent_sales_return_with_2000_tax(
    registered: Organization, paid_invoice: BillingInvoice, refund: Callable[..., None]
) -> None:
    InvoiceLine.objects.create(invoice=paid_invoice, description="IT consulting", net_amount=100_000)
    refund(paid_invoice, 22_000)
    [entry] = _entries(registered, EntryKind.REFUND)
    document = RefundDocument.objects.get(kind=DocumentKind.RETURN_INVOICE)
    [line] = entry.lines
    assert (line.debit.account, line.debit.tax_category, line.debit.amount, line.debit.tax) == (
        "売上値引・返品",
        "課税売上返還10%",
        22_000,
        2_000,
    )
    assert (line.credit.account, line.credit.sub_account, line.credit.amount) == ("未収入金", "Stripe", 22_000)
    assert entry.balanced and entry.debits == 22_000
    assert entry.document_number == document.number
    assert "INV-2026-0001" in entry.memo and document.number in entry.memo
    refund_row = Refund.objects.get()
    assert refund_row.stripe_refund_id in entry.stripe_ids
    # The books say per rate what the return invoice says.
    assert [[rate, amount, tax] for rate, (amount, tax) in _tax_by_rate([entry]).items()] == document.amounts_by_rate
    [payment] = _entries(registered, EntryKind.PAYMENT)
    assert payment.balanced and payment.lines[0].debit.amount == 110_000
    assert payment.lines[0].credit.account == "売掛金"


def test_tax_excluded_accounting_splits_the_refund_into_20000_and_2000(
    registered: Organization, paid_invoice: BillingInvoice, refund: Callable[..., None]
) -> None:
    AccountingSettings.objects.create(organization=registered, tax_accounting=TaxAccounting.EXCLUDED)
    refund(paid_invoice, 22_000)
    [entry] = _entries(registered, EntryKind.REFUND)
    assert [(line.debit.account, line.debit.amount) for line in entry.lines] == [
        ("売上値引・返品", 20_000),
        ("仮受消費税等", 2_000),
    ]
    assert entry.balanced and entry.credits == 22_000


def test_a_mixed_rate_invoice_refunded_in_two_steps_matches_its_return_invoices_per_rate(
    registered: Organization, make_paid_invoice: Callable[..., BillingInvoice], refund: Callable[..., None]
) -> None:
    invoice = make_paid_invoice(amount=109_000, number="INV-2026-0301")
    InvoiceLine.objects.create(invoice=invoice, description="Consulting", net_amount=50_000, tax_rate=TaxRate.STANDARD)
    InvoiceLine.objects.create(invoice=invoice, description="Coffee beans", net_amount=50_000, tax_rate=TaxRate.REDUCED)
    refund(invoice, 30_000)
    refund(invoice, 79_000, RefundClassification.FULL)
    entries = _entries(registered, EntryKind.REFUND)
    assert len(entries) == 2
    documents = {d.refund_id: d for d in RefundDocument.objects.filter(kind=DocumentKind.RETURN_INVOICE)}
    for entry, refund_row in zip(entries, Refund.objects.order_by("succeeded_at", "id"), strict=True):
        assert entry.balanced
        assert {line.rate for line in entry.lines} == {10, 8}
        stated = documents[refund_row.pk].amounts_by_rate
        assert [[rate, amount, tax] for rate, (amount, tax) in _tax_by_rate([entry]).items()] == stated
        reduced = next(line for line in entry.lines if line.rate == 8)
        assert reduced.debit.tax_category == "課税売上返還8%（軽）"
    # Both steps together return each rate's whole amount (55,000 and 54,000); the tax is what the two documents
    # state, each rounded down once per rate (4,999 and 3,999, not 5,000 and 4,000).
    stated_tax = {10: 0, 8: 0}
    for document in documents.values():
        for rate, _amount, tax in document.amounts_by_rate:
            stated_tax[rate] += tax
    assert _tax_by_rate(entries) == {10: (55_000, stated_tax[10]), 8: (54_000, stated_tax[8])}


def _paid_link(org: Organization, *, fee: int | None, buyer_name: str = "Sakura Trading Co., Ltd.") -> PaymentLink:
    invoice = factories.invoice(
        org,
        number="INV-2026-0001",
        bill_to=factories.buyer(org, buyer_name),
        link_status=PaymentLinkStatus.PAID,
        issue_date=timezone.localdate(),
    )
    link = invoice.payment_link
    link.paid_at = timezone.now()
    link.stripe_payment_intent_id, link.stripe_charge_id = "pi_fee", "ch_fee"
    link.stripe_fee, link.stripe_fee_currency, link.stripe_balance_transaction_id = fee, "JPY", "txn_fee"
    link.save()
    return link


def test_the_stripe_fee_is_its_own_line_as_a_non_taxable_purchase(org: Organization) -> None:
    _paid_link(org, fee=3_960)
    [fee] = _entries(org, EntryKind.FEE)
    [line] = fee.lines
    assert (line.debit.account, line.debit.tax_category, line.debit.amount) == ("支払手数料", "非課仕入", 3_960)
    assert (line.credit.account, line.credit.sub_account, line.credit.amount) == ("未収入金", "Stripe", 3_960)
    assert fee.balanced and "txn_fee" in fee.memo


def test_an_unknown_fee_writes_no_fee_line(org: Organization) -> None:
    _paid_link(org, fee=None)
    assert _entries(org, EntryKind.FEE) == []
    assert len(_entries(org, EntryKind.PAYMENT)) == 1


def test_a_refund_that_failed_after_success_is_reversed(org: Organization) -> None:
    link = _paid_link(org, fee=None)
    Refund.objects.create(
        organization=org,
        payment_link=link,
        amount=22_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.FAILED,
        source="stripe_dashboard",
        stripe_refund_id="re_failed_later",
        succeeded_at=timezone.now(),
    )
    [returned] = _entries(org, EntryKind.REFUND)
    [reversed_] = _entries(org, EntryKind.REFUND_REVERSED)
    assert returned.lines[0].debit.account == "売上値引・返品" and returned.lines[0].debit.amount == 22_000
    assert reversed_.lines[0].credit.account == "売上値引・返品" and reversed_.lines[0].credit.amount == 22_000
    assert reversed_.lines[0].debit.account == "未収入金"
    assert reversed_.balanced and "返金取消" in reversed_.memo


def _file(org: Organization, export_format: ExportFormat, report: EncodingReport | None = None) -> bytes:
    return b"".join(export_bytes(journal_entries(organization=org, period=_today()), export_format, report))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _refunded_link(org: Organization, buyer_name: str = "Sakura Trading Co., Ltd.") -> PaymentLink:
    link = _paid_link(org, fee=3_960, buyer_name=buyer_name)
    Refund.objects.create(
        organization=org,
        payment_link=link,
        amount=22_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.SUCCEEDED,
        stripe_refund_id="re_22000",
        succeeded_at=timezone.now() + timedelta(seconds=1),
    )
    return link


def test_yayoi_is_25_columns_in_shift_jis_with_crlf_and_identification_flags(org: Organization) -> None:
    _refunded_link(org)
    data = _file(org, ExportFormat.YAYOI)
    text = data.decode("cp932")
    assert text.count("\r\n") == len(text.splitlines()) and "\n" not in text.replace("\r\n", "")
    rows = _rows(text)
    assert all(len(row) == len(YAYOI_COLUMNS) == 25 for row in rows)
    assert rows[0][0] != "識別フラグ"  # no header row: the import format is data lines only
    payment, fee, refund_row = rows
    assert [row[0] for row in rows] == ["2000", "2000", "2000"]
    assert refund_row[3] == timezone.localdate().strftime("%Y/%m/%d")
    assert refund_row[4:10] == ["売上値引・返品", "", "", "課税売上返還10%", "22000", "2000"]
    assert refund_row[10:16] == ["未収入金", "Stripe", "", "対象外", "22000", ""]
    assert (fee[4], fee[7], fee[8], fee[14]) == ("支払手数料", "非課仕入", "3960", "3960")
    assert payment[8] == payment[14] == "110000"
    assert refund_row[19:25] == ["0", "", "", "0", "0", "no"]


def test_yayoi_multi_line_entries_are_flagged_as_one_slip(org: Organization) -> None:
    AccountingSettings.objects.create(organization=org, tax_accounting=TaxAccounting.EXCLUDED)
    _refunded_link(org)
    rows = _rows(_file(org, ExportFormat.YAYOI).decode("cp932"))
    assert [row[0] for row in rows][-2:] == ["2110", "2101"]
    assert sum(int(r[8]) for r in rows[-2:]) == sum(int(r[14]) for r in rows[-2:]) == 22_000


def test_money_forward_has_its_header_in_shift_jis_and_one_number_per_entry(org: Organization) -> None:
    _refunded_link(org)
    rows = _rows(_file(org, ExportFormat.MONEY_FORWARD).decode("cp932"))
    assert rows[0] == MONEY_FORWARD_COLUMNS and len(rows[0]) == 27
    assert rows[0][:3] == ["取引No", "取引日", "借方勘定科目"]
    refund_row = rows[-1]
    assert refund_row[0] == "3" and refund_row[2] == "売上値引・返品"
    assert (refund_row[6], refund_row[8], refund_row[9]) == ("課税売上返還10%", "22000", "2000")
    assert refund_row[5] == "Sakura Trading Co., Ltd."


def test_freee_is_utf8_with_a_bom_and_its_header(org: Organization) -> None:
    _refunded_link(org)
    data = _file(org, ExportFormat.FREEE)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = _rows(data.decode("utf-8-sig"))
    assert rows[0] == FREEE_COLUMNS
    refund_row = rows[-1]
    assert (refund_row[3], refund_row[6], refund_row[7], refund_row[8]) == (
        "売上値引・返品",
        "課税売上返還10%",
        "22000",
        "2000",
    )


def test_characters_shift_jis_cannot_hold_are_replaced_visibly_and_reported(org: Organization) -> None:
    _refunded_link(org, buyer_name="𠮷野商事")
    report = EncodingReport()
    text = _file(org, ExportFormat.MONEY_FORWARD, report).decode("cp932")
    assert "〓野商事" in text and "野商事" in text
    assert report.replaced >= 3  # the buyer's name in the payment and refund entries, both sides, and the memo
    assert report.examples[0][2] == "𠮷"
    # UTF-8 formats keep it as it is.
    assert "𠮷野商事" in _file(org, ExportFormat.FREEE).decode("utf-8-sig")


def test_every_entry_balances_in_the_plain_json(org: Organization) -> None:
    _refunded_link(org)
    body = json.loads(_file(org, ExportFormat.JSON))
    assert [entry["kind"] for entry in body["entries"]] == ["payment", "fee", "refund"]
    for entry in body["entries"]:
        debits = sum(line["debit"]["amount"] for line in entry["lines"])
        credits = sum(line["credit"]["amount"] for line in entry["lines"])
        assert debits == credits and entry["balanced"] is True


# ---------------------------------------------------------------- the page and the API


def _member_client(org: Organization, role: Role, login: Callable[[User], Client]) -> Client:
    return login(factories.member(org, role))


def test_an_accountant_previews_and_downloads_and_the_export_is_audited(
    org: Organization, login: Callable[[User], Client]
) -> None:
    _refunded_link(org)
    client = _member_client(org, Role.ACCOUNTANT, login)
    today = timezone.localdate().isoformat()
    page = client.get("/billing/accounting/", {"start": today, "end": today, "format": "yayoi"})
    assert page.status_code == 200
    assert "売上値引・返品" in page.content.decode() and 'data-testid="accounting-download"' in page.content.decode()
    assert 'id="account-names"' not in page.content.decode()  # only admins change account names
    response = client.get("/billing/accounting/download", {"start": today, "end": today, "format": "yayoi"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert "22000" in b"".join(response.streaming_content).decode("cp932")  # type: ignore[attr-defined]
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNTING_EXPORT)
    assert entry.after["format"] == "yayoi" and entry.after["channel"] == "page"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR, Role.APPROVER])
def test_other_roles_cannot_export(org: Organization, login: Callable[[User], Client], role: Role) -> None:
    client = _member_client(org, role, login)
    today = timezone.localdate().isoformat()
    assert client.get("/billing/accounting/").status_code == 403
    assert (
        client.get("/billing/accounting/download", {"start": today, "end": today, "format": "csv"}).status_code == 403
    )
    assert not AuditEntry.objects.filter(action=AuditAction.ACCOUNTING_EXPORT).exists()


def test_a_bad_period_is_a_message_not_an_error(org: Organization, login: Callable[[User], Client]) -> None:
    client = _member_client(org, Role.ADMIN, login)
    page = client.get("/billing/accounting/", {"start": "2026-05-02", "end": "2026-05-01", "format": "freee"})
    assert page.status_code == 200 and "before its start" in page.content.decode()
    assert client.get("/billing/accounting/download", {"start": "x", "end": "y", "format": "no"}).status_code == 422


def test_admins_rename_accounts_and_the_change_is_audited(org: Organization, login: Callable[[User], Client]) -> None:
    client = _member_client(org, Role.ADMIN, login)
    form = {field: value for field, value in AccountingSettings().__dict__.items() if not field.startswith("_")}
    form.update(stripe_account="普通預金", stripe_sub_account="", returns_account="売上高")
    form.pop("id"), form.pop("organization_id")
    assert client.post("/billing/accounting/settings/", form).status_code == 302
    assert AccountingSettings.objects.get(organization=org).returns_account == "売上高"
    assert AuditEntry.objects.get(action=AuditAction.ACCOUNTING_SETTINGS).after["returns_account"] == "売上高"
    assert _member_client(org, Role.ACCOUNTANT, login).post("/billing/accounting/settings/", form).status_code == 403


def test_the_api_streams_the_same_lines_as_csv_and_json(org: Organization, login: Callable[[User], Client]) -> None:
    _refunded_link(org)
    client = _member_client(org, Role.ACCOUNTANT, login)
    today = timezone.localdate().isoformat()
    answer = client.get("/api/v1/accounting/journal", {"start": today, "end": today, "format": "json"})
    assert answer.status_code == 200
    body = json.loads(b"".join(answer.streaming_content))  # type: ignore[attr-defined]
    assert body["entries"][-1]["lines"][0]["debit"]["tax"] == 2_000
    answer = client.get("/api/v1/accounting/journal", {"start": today, "end": today, "format": "csv"})
    rows = _rows(b"".join(answer.streaming_content).decode())  # type: ignore[attr-defined]
    assert rows[0][:3] == ["entry", "date", "kind"] and rows[-1][2] == "refund"
    bad = client.get("/api/v1/accounting/journal", {"start": today, "end": "2000-01-01"})
    assert bad.status_code == 409 and bad.json()["field"] == "end"
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNTING_EXPORT, after__channel="api").count() == 2
    viewer = _member_client(org, Role.VIEWER, login)
    assert viewer.get("/api/v1/accounting/journal", {"start": today, "end": today}).status_code == 403
