"""Journal entries written in the import formats of Japanese accounting software, and as plain CSV/JSON.

Each format says its columns, its encoding and its line ends (docs/accounting.md cites the specifications). Rows are
written one at a time into bytes: a generator that StreamingHttpResponse sends as it goes, in constant memory.
Characters Shift_JIS (cp932) cannot hold are replaced by 〓 (the geta mark Japanese printing uses for a missing
glyph) and counted in an `EncodingReport`, never dropped silently.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from .journal import JournalEntry, JournalLine, Side

REPLACEMENT = "〓"
EXAMPLES_KEPT = 20


class ExportFormat(StrEnum):
    FREEE = "freee"
    MONEY_FORWARD = "moneyforward"
    YAYOI = "yayoi"
    CSV = "csv"
    JSON = "json"


FORMAT_LABELS = {
    ExportFormat.FREEE: _("freee会計 (journal import, UTF-8)"),
    ExportFormat.MONEY_FORWARD: _("マネーフォワード クラウド会計 (仕訳帳インポート, Shift_JIS)"),
    ExportFormat.YAYOI: _("弥生会計 (仕訳日記帳 import, Shift_JIS)"),
    ExportFormat.CSV: _("Plain CSV (UTF-8)"),
    ExportFormat.JSON: _("JSON"),
}


@dataclass
class EncodingReport:
    """What a Shift_JIS file could not hold: how many characters were replaced, and where (the first few)."""

    replaced: int = 0
    examples: list[tuple[int, str, str]] = field(default_factory=list)  # (entry number, column, character)

    def note(self, entry: int, column: str, character: str) -> None:
        self.replaced += 1
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append((entry, column, character))


def cp932_safe(text: str, *, report: EncodingReport, entry: int, column: str) -> str:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        kept: list[str] = []
        for character in text:
            try:
                character.encode("cp932")
                kept.append(character)
            except UnicodeEncodeError:
                report.note(entry, column, character)
                kept.append(REPLACEMENT)
        return "".join(kept)
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _yen(value: int | None) -> str:
    return "" if value is None else str(value)


def _day(entry: JournalEntry) -> str:
    return entry.day.strftime("%Y/%m/%d")


# ---------------------------------------------------------------- the formats' rows

# 弥生会計 仕訳日記帳 import: 25 columns, no header row (弥生会計 support, 「インポートできるデータの種類と記述形式」).
YAYOI_COLUMNS = [
    "識別フラグ", "伝票No.", "決算", "取引日付", "借方勘定科目", "借方補助科目", "借方部門", "借方税区分", "借方金額",
    "借方税金額", "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方税区分", "貸方金額", "貸方税金額", "摘要", "番号",
    "期日", "タイプ", "生成元", "仕訳メモ", "付箋1", "付箋2", "調整",
]  # fmt: skip


def _yayoi_flag(index: int, count: int) -> str:
    # 2000: a journal line on its own; a multi-line slip: 2110 first, 2100 between, 2101 last.
    if count == 1:
        return "2000"
    if index == 0:
        return "2110"
    return "2101" if index == count - 1 else "2100"


def _yayoi_rows(number: int, entry: JournalEntry) -> Iterator[list[str]]:
    for index, line in enumerate(entry.lines):
        d, c = line.debit, line.credit
        yield [
            _yayoi_flag(index, len(entry.lines)), "", "", _day(entry),
            d.account, d.sub_account, "", d.tax_category, _yen(d.amount), _yen(d.tax),
            c.account, c.sub_account, "", c.tax_category, _yen(c.amount), _yen(c.tax),
            entry.memo, "", "", "0", "", "", "0", "0", "no",
        ]  # fmt: skip


# マネーフォワード クラウド会計 仕訳帳インポート: columns A to AA of its sample format, header row kept.
MONEY_FORWARD_COLUMNS = [
    "取引No", "取引日", "借方勘定科目", "借方補助科目", "借方部門", "借方取引先", "借方税区分", "借方インボイス",
    "借方金額(円)", "借方税額", "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方取引先", "貸方税区分",
    "貸方インボイス", "貸方金額(円)", "貸方税額", "摘要", "仕訳メモ", "タグ", "MF仕訳タイプ", "決算整理仕訳",
    "作成日時", "作成者", "最終更新日時", "最終更新者",
]  # fmt: skip


def _money_forward_rows(number: int, entry: JournalEntry) -> Iterator[list[str]]:
    for line in entry.lines:
        d, c = line.debit, line.credit
        yield [
            str(number), _day(entry),
            d.account, d.sub_account, "", entry.counterparty, d.tax_category, "", _yen(d.amount), _yen(d.tax),
            c.account, c.sub_account, "", entry.counterparty, c.tax_category, "", _yen(c.amount), _yen(c.tax),
            entry.memo, "", "invoicedesk", "", "", "", "", "", "",
        ]  # fmt: skip


# freee会計 仕訳データの取り込み (汎用形式): debit and credit columns side by side, matched to freee's items on upload.
FREEE_COLUMNS = [
    "日付", "伝票番号", "決算整理仕訳", "借方勘定科目", "借方補助科目", "借方取引先", "借方税区分", "借方金額",
    "借方税額", "貸方勘定科目", "貸方補助科目", "貸方取引先", "貸方税区分", "貸方金額", "貸方税額", "摘要",
]  # fmt: skip


def _freee_rows(number: int, entry: JournalEntry) -> Iterator[list[str]]:
    for line in entry.lines:
        d, c = line.debit, line.credit
        yield [
            _day(entry), str(number), "",
            d.account, d.sub_account, entry.counterparty, d.tax_category, _yen(d.amount), _yen(d.tax),
            c.account, c.sub_account, entry.counterparty, c.tax_category, _yen(c.amount), _yen(c.tax),
            entry.memo,
        ]  # fmt: skip


PLAIN_COLUMNS = [
    "entry", "date", "kind", "currency", "rate",
    "debit_account", "debit_sub_account", "debit_tax_category", "debit_amount", "debit_tax",
    "credit_account", "credit_sub_account", "credit_tax_category", "credit_amount", "credit_tax",
    "counterparty", "invoice_number", "document_number", "stripe_ids", "memo",
]  # fmt: skip


def _plain_rows(number: int, entry: JournalEntry) -> Iterator[list[str]]:
    for line in entry.lines:
        d, c = line.debit, line.credit
        yield [
            str(number), entry.day.isoformat(), entry.kind.value, entry.currency, _yen(line.rate),
            d.account, d.sub_account, d.tax_category, _yen(d.amount), _yen(d.tax),
            c.account, c.sub_account, c.tax_category, _yen(c.amount), _yen(c.tax),
            entry.counterparty, entry.invoice_number, entry.document_number, " ".join(entry.stripe_ids), entry.memo,
        ]  # fmt: skip


@dataclass(frozen=True)
class CsvLayout:
    columns: list[str]
    header: bool
    encoding: str  # "cp932" or "utf-8"
    bom: bool
    rows: Callable[[int, JournalEntry], Iterator[list[str]]]
    extension: str = "csv"


LAYOUTS: dict[ExportFormat, CsvLayout] = {
    ExportFormat.YAYOI: CsvLayout(YAYOI_COLUMNS, False, "cp932", False, _yayoi_rows, extension="txt"),
    ExportFormat.MONEY_FORWARD: CsvLayout(MONEY_FORWARD_COLUMNS, True, "cp932", False, _money_forward_rows),
    ExportFormat.FREEE: CsvLayout(FREEE_COLUMNS, True, "utf-8", True, _freee_rows),
    ExportFormat.CSV: CsvLayout(PLAIN_COLUMNS, True, "utf-8", False, _plain_rows),
}


def content_type(export_format: ExportFormat) -> str:
    if export_format == ExportFormat.JSON:
        return "application/json"
    layout = LAYOUTS[export_format]
    charset = "Shift_JIS" if layout.encoding == "cp932" else "utf-8"
    return f"text/csv; charset={charset}"


def filename(export_format: ExportFormat, start: str, end: str) -> str:
    extension = "json" if export_format == ExportFormat.JSON else LAYOUTS[export_format].extension
    return f"journal-{export_format.value}-{start}-{end}.{extension}"


def _csv_bytes(entries: Iterable[JournalEntry], layout: CsvLayout, report: EncodingReport) -> Iterator[bytes]:
    writer = csv.writer(_Echo(), lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if layout.bom:
        yield "\ufeff".encode()
    if layout.header:
        yield writer.writerow(layout.columns).encode(layout.encoding)
    for number, entry in enumerate(entries, start=1):
        for row in layout.rows(number, entry):
            if layout.encoding == "cp932":
                row = [
                    cp932_safe(value, report=report, entry=number, column=column)
                    for value, column in zip(row, layout.columns, strict=True)
                ]
            yield writer.writerow(row).encode(layout.encoding)


def entry_as_dict(number: int, entry: JournalEntry) -> dict[str, object]:
    def side(s: Side) -> dict[str, object]:
        return {"account": s.account, "sub_account": s.sub_account, "tax_category": s.tax_category,
                "amount": s.amount, "tax": s.tax}  # fmt: skip

    def line(item: JournalLine) -> dict[str, object]:
        return {"rate": item.rate, "debit": side(item.debit), "credit": side(item.credit)}

    return {
        "entry": number,
        "date": entry.day.isoformat(),
        "kind": entry.kind.value,
        "currency": entry.currency,
        "counterparty": entry.counterparty,
        "invoice_number": entry.invoice_number,
        "document_number": entry.document_number,
        "stripe_ids": list(entry.stripe_ids),
        "memo": entry.memo,
        "lines": [line(item) for item in entry.lines],
        "balanced": entry.balanced,
    }


def _json_bytes(entries: Iterable[JournalEntry]) -> Iterator[bytes]:
    yield b'{"entries": ['
    for number, entry in enumerate(entries, start=1):
        yield (b"," if number > 1 else b"") + json.dumps(entry_as_dict(number, entry), ensure_ascii=False).encode()
    yield b"]}\n"


def export_bytes(
    entries: Iterable[JournalEntry], export_format: ExportFormat, report: EncodingReport | None = None
) -> Iterator[bytes]:
    """The file, a piece at a time."""
    if export_format == ExportFormat.JSON:
        return _json_bytes(entries)
    return _csv_bytes(entries, LAYOUTS[export_format], report if report is not None else EncodingReport())


def preview_rows(
    entries: Iterable[JournalEntry], export_format: ExportFormat, limit: int
) -> tuple[list[str], list[list[str]]]:
    """The columns and the first `limit` rows, as the file will have them (before encoding)."""
    layout = LAYOUTS[ExportFormat.CSV if export_format == ExportFormat.JSON else export_format]
    rows: list[list[str]] = []
    for number, entry in enumerate(entries, start=1):
        for row in layout.rows(number, entry):
            rows.append(row)
            if len(rows) >= limit:
                return layout.columns, rows
    return layout.columns, rows


def encoding_report(entries: Iterable[JournalEntry], export_format: ExportFormat) -> EncodingReport:
    """What the file would replace: the whole export is written and thrown away, a row at a time."""
    report = EncodingReport()
    if export_format != ExportFormat.JSON and LAYOUTS[export_format].encoding == "cp932":
        for _chunk in export_bytes(entries, export_format, report):
            pass
    return report
