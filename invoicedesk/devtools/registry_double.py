"""A double of the National Tax Agency registry's Web-API for `make run` (docs/accounting.md).

It serves the documented JSON (`type=21`) of `num`, `valid` and `diff` for the demo's made-up registration
numbers: the demo seller's own and most buyers' registered, one buyer's canceled (its later invoices are flagged),
one not in the registry. serve_demo starts it when no NTA_APP_ID is set and points NTA_APP_ID / NTA_API_URL at it;
demo data enters the numbers through the same calls as the pages, so the worker looks them up as in production.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from invoicedesk.accounting.models import RegistryRecord, RegistryStatus
from invoicedesk.accounting.services import registry_lookup_enqueue
from invoicedesk.accounts.models import Organization
from invoicedesk.billing.models import Buyer
from invoicedesk.billing.services import buyer_registration_number_entered
from invoicedesk.core.tax import registration_check_digit

DEMO_APP_ID = "demo-app-id"
SELLER_NUMBER = "T9010401234567"  # devtools.demo.DEMO_REGISTRATION_NUMBER


def _number(twelve: str) -> str:
    return f"T{registration_check_digit(twelve)}{twelve}"


# The demo's buyers with a registration number, and what the registry says of each.
CANCELED_BUYER = "山田精機株式会社"
CANCELED_ON = "2026-03-31"  # its invoices of April 2026 on are flagged
UNKNOWN_BUYER = "Northwind Traders"  # a number the registry does not know
BUYER_NUMBERS: dict[str, str] = {
    "Sakura Trading Co., Ltd.": _number("000012050101"),
    "株式会社さくら商事": _number("000012050102"),
    CANCELED_BUYER: _number("000012050103"),
    UNKNOWN_BUYER: _number("000012050104"),
    "東京システム開発株式会社": _number("000012050105"),
}


def _row(number: str, name: str, *, disposal: str = "") -> dict[str, str]:
    """An `announcement` row as the registry's JSON has it (registratedNumber is their spelling)."""
    return {
        "sequenceNumber": "1",
        "registratedNumber": number,
        "process": "04" if disposal else "01",
        "correct": "0",
        "kind": "2",
        "country": "1",
        "latest": "1",
        "registrationDate": "2023-10-01",
        "updateDate": disposal or "2023-10-01",
        "disposalDate": disposal,
        "expireDate": "",
        "address": "東京都千代田区丸の内１丁目",
        "name": name,
        "kana": "",
        "tradeName": "",
        "popularName_previousName": "",
    }


DEMO_REGISTRY: dict[str, dict[str, str]] = {
    SELLER_NUMBER: _row(SELLER_NUMBER, "デモセラー株式会社"),
    **{
        number: _row(number, company, disposal=CANCELED_ON if company == CANCELED_BUYER else "")
        for company, number in BUYER_NUMBERS.items()
        if company != UNKNOWN_BUYER
    },
}


def answer(path: str, query: dict[str, str], rows: dict[str, dict[str, str]]) -> tuple[int, object]:
    """The registry's answer to one GET (status, JSON body)."""
    if not query.get("id") or query.get("type") != "21":
        return 400, {"errors": "bad request"}
    head = {"lastUpdateDate": "2026-12-01"}
    if path == "/1/num":
        found = [rows[n] for n in query.get("number", "").split(",") if n in rows]
        return 200, {**head, "count": str(len(found)), "announcement": found}
    if path == "/1/valid":
        row = rows.get(query.get("number", ""))
        day = query.get("day", "")
        ok = (
            row is not None
            and row["registrationDate"] <= day
            and not (row["disposalDate"] and day >= row["disposalDate"])
        )
        found = [row] if ok and row else []
        return 200, {**head, "count": str(len(found)), "announcement": found}
    if path == "/1/diff":
        changed = [row for row in rows.values() if query.get("from", "") <= row["updateDate"] <= query.get("to", "")]
        return 200, {
            **head,
            "count": str(len(changed)),
            "divideNumber": "1",
            "divideSize": "1",
            "announcement": changed,
        }
    return 404, {"errors": "not found"}


class RegistryDouble:
    """The double as an HTTP server on 127.0.0.1, in a thread of the process that starts it."""

    def __init__(self, *, port: int = 0, rows: dict[str, dict[str, str]] | None = None) -> None:
        table = DEMO_REGISTRY if rows is None else rows

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                status, body = answer(parts.path, query, table)
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> RegistryDouble:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def demo_registration_numbers(organization: Organization, buyers: list[Buyer]) -> None:
    """Give the demo's buyers their numbers and have the registry asked about every demo number it has not answered
    (the same explicit calls as the settings and the admin). Call inside the demo's transaction."""
    for buyer in buyers:
        number = BUYER_NUMBERS.get(buyer.company_name, "")
        if number and not buyer.invoice_registration_number:
            buyer.invoice_registration_number = number
            buyer.save(update_fields=["invoice_registration_number"])
    answered = set(
        RegistryRecord.objects.filter(status__in=[RegistryStatus.FOUND, RegistryStatus.UNKNOWN]).values_list(
            "number", flat=True
        )
    )
    for buyer in buyers:
        if buyer.invoice_registration_number and buyer.invoice_registration_number not in answered:
            buyer_registration_number_entered(buyer)
    if organization.invoice_registration_number not in answered:
        registry_lookup_enqueue(organization.invoice_registration_number)
