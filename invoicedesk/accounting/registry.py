"""Registration numbers checked against the National Tax Agency's registry (適格請求書発行事業者公表システム Web-API).

The client speaks the registry's JSON (`type=21`): `num` (up to ten numbers), `valid` (one number on one day) and
`diff` (changes over a period, in pages). It is only called from tasks (`accounting.tasks`), never in a web request,
and a refund never waits for it: what a page shows is the answer stored in `RegistryRecord`. docs/accounting.md
cites the shapes.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Organization
from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.billing.models import BillingInvoice, Buyer

from .models import RegistryRecord, RegistryStatus

NUM_BATCH = 10  # `num` takes at most ten numbers a request.
# The lookup task's name (core.named_tasks): apps below us queue it where they save a number.
REGISTRY_LOOKUP = "accounting.registry_lookup"
JSON_TYPE = "21"


class RegistryUnavailable(Exception):
    """The registry did not answer usably: timeout, connection, an HTTP error, or a body that is not its JSON."""


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """One row of the registry's `announcement` list, the fields we keep."""

    number: str
    name: str
    registration_date: date | None
    disposal_date: date | None
    expire_date: date | None
    latest: bool


@dataclass(frozen=True, kw_only=True)
class DiffPage:
    announcements: list[Announcement]
    divide_number: int
    divide_size: int


def check_enabled() -> bool:
    return bool(settings.NTA_APP_ID)


def own_number_invalid(organization: Organization, *, today: date) -> RegistryRecord | None:
    """The registry's answer about the organization's own number when it says the number is not valid today."""
    if not check_enabled():
        return None
    record = record_for(organization.invoice_registration_number)
    return record if record is not None and record.valid_on(today) is False else None


def _date(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RegistryUnavailable(f"not a date: {value[:20]!r}") from None


def _announcements(body: dict[str, Any]) -> list[Announcement]:
    rows = body.get("announcement", [])
    if not isinstance(rows, list):
        raise RegistryUnavailable("announcement is not a list")
    found = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("registratedNumber"), str):
            raise RegistryUnavailable("announcement row without registratedNumber")
        found.append(
            Announcement(
                number=row["registratedNumber"],
                name=str(row.get("name") or ""),
                registration_date=_date(row.get("registrationDate")),
                disposal_date=_date(row.get("disposalDate")),
                expire_date=_date(row.get("expireDate")),
                latest=str(row.get("latest", "1")) == "1",
            )
        )
    return found


Opener = Callable[[str, float], bytes]


def _urlopen(url: str, timeout: float) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise RegistryUnavailable("NTA_API_URL must be an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (checked above)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body: bytes = response.read()
        return body


class RegistryClient:
    def __init__(self, *, app_id: str, base_url: str, timeout: float, opener: Opener = _urlopen) -> None:
        self.app_id = app_id
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.opener = opener

    @classmethod
    def from_settings(cls) -> RegistryClient:
        return cls(app_id=settings.NTA_APP_ID, base_url=settings.NTA_API_URL, timeout=settings.NTA_TIMEOUT_SECONDS)

    def _get(self, function: str, params: dict[str, str]) -> dict[str, Any]:
        query = urllib.parse.urlencode({"id": self.app_id, **params, "type": JSON_TYPE})
        try:
            raw = self.opener(f"{self.base_url}/1/{function}?{query}", self.timeout)
        except urllib.error.HTTPError as error:
            raise RegistryUnavailable(f"HTTP {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise RegistryUnavailable(f"{type(error).__name__}: {error}"[:200]) from error
        try:
            body = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as error:
            raise RegistryUnavailable("the answer is not JSON") from error
        if not isinstance(body, dict):
            raise RegistryUnavailable("the answer is not a JSON object")
        return body

    def num(self, numbers: list[str]) -> list[Announcement]:
        """The latest registry data of up to ten numbers; a number the registry does not know is simply absent."""
        if not 0 < len(numbers) <= NUM_BATCH:
            raise ValueError("num takes one to ten numbers")
        return _announcements(self._get("num", {"number": ",".join(numbers), "history": "0"}))

    def valid(self, number: str, day: date) -> Announcement | None:
        """The registry's data of `number` as of `day`; None when it was not registered then."""
        rows = _announcements(self._get("valid", {"number": number, "day": day.isoformat()}))
        return next((row for row in rows if row.number == number), None)

    def diff(self, start: date, end: date, *, divide: int = 1) -> DiffPage:
        body = self._get("diff", {"from": start.isoformat(), "to": end.isoformat(), "divide": str(divide)})
        try:
            divide_number = int(body.get("divideNumber", 1))
            divide_size = int(body.get("divideSize", 1))
        except (TypeError, ValueError):
            raise RegistryUnavailable("divideNumber/divideSize are not numbers") from None
        return DiffPage(announcements=_announcements(body), divide_number=divide_number, divide_size=divide_size)

    def diff_all(self, start: date, end: date) -> Iterator[Announcement]:
        divide = 1
        while True:
            page = self.diff(start, end, divide=divide)
            yield from page.announcements
            if page.divide_number >= page.divide_size:
                return
            divide = page.divide_number + 1


# Which numbers we watch, and what their answers mean for invoices.


def watched_numbers() -> set[str]:
    numbers = set(
        Organization.objects.exclude(invoice_registration_number="").values_list(
            "invoice_registration_number", flat=True
        )
    )
    numbers.update(
        Buyer.objects.exclude(invoice_registration_number="").values_list("invoice_registration_number", flat=True)
    )
    return numbers


def record_for(number: str) -> RegistryRecord | None:
    return RegistryRecord.objects.filter(number=number).first() if number else None


@dataclass(frozen=True, kw_only=True)
class BuyerNumberFlag:
    """A buyer's number that was not valid on the sale's date: shown on the invoice, the modal and the document."""

    number: str
    record: RegistryRecord
    sale_date: date

    @property
    def message(self) -> str:
        if self.record.status == RegistryStatus.UNKNOWN:
            return _(
                "The buyer's registration number %(number)s is not in the National Tax Agency's registry. "
                "The buyer cannot use this invoice or its return invoice for input tax credit."
            ) % {"number": self.number}
        if self.record.ended_on is not None and self.record.ended_on <= self.sale_date:
            return _(
                "The buyer's registration number %(number)s was canceled on %(ended)s, before the sale of "
                "%(sale)s. The buyer cannot use this invoice or its return invoice for input tax credit."
            ) % {"number": self.number, "ended": self.record.ended_on.isoformat(), "sale": self.sale_date.isoformat()}
        return _("The buyer's registration number %(number)s was not yet registered on the sale's date %(sale)s.") % {
            "number": self.number,
            "sale": self.sale_date.isoformat(),
        }


def buyer_number_flag(invoice: BillingInvoice) -> BuyerNumberFlag | None:
    """The flag of an invoice whose buyer's number was not valid on its date (the sale's), or None.

    Only what the registry answered counts: a number not yet checked, or whose check failed without an earlier
    answer, is not flagged (we do not know), and with the check off nothing is flagged.
    """
    number = invoice.buyer.invoice_registration_number
    if not number or not check_enabled():
        return None
    record = record_for(number)
    if record is None or record.valid_on(invoice.issue_date) is not False:
        return None
    return BuyerNumberFlag(number=number, record=record, sale_date=invoice.issue_date)


def buyer_number_notice(invoice: BillingInvoice) -> str | None:
    flag = buyer_number_flag(invoice)
    return flag.message if flag else None


def _store(number: str, found: Announcement | None, *, now: Any) -> RegistryRecord:
    fields: dict[str, Any] = {"checked_at": now, "error": ""}
    if found is None:
        fields.update(
            status=RegistryStatus.UNKNOWN, name="", registration_date=None, disposal_date=None, expire_date=None
        )
    else:
        fields.update(
            status=RegistryStatus.FOUND,
            name=found.name,
            registration_date=found.registration_date,
            disposal_date=found.disposal_date,
            expire_date=found.expire_date,
        )
    record, _created = RegistryRecord.objects.update_or_create(number=number, defaults=fields)
    return record


def _store_error(numbers: Iterable[str], reason: str) -> None:
    now = timezone.now()
    for number in numbers:
        record, created = RegistryRecord.objects.get_or_create(
            number=number, defaults={"status": RegistryStatus.ERROR, "checked_at": now, "error": reason[:300]}
        )
        if not created:
            # The last good answer stays; only the failure is noted (FOUND/UNKNOWN are kept as they were).
            if record.status == RegistryStatus.PENDING:
                record.status = RegistryStatus.ERROR
            record.error = reason[:300]
            record.save(update_fields=["status", "error"])


def _alert_invalid_buyers(record: RegistryRecord) -> None:
    """One alert per buyer whose number was not valid on the date of one of its invoices."""
    buyers = Buyer.objects.filter(invoice_registration_number=record.number)
    for buyer in buyers:
        invoices = BillingInvoice.objects.filter(buyer=buyer).order_by("-issue_date", "-id")
        affected = [
            invoice
            for invoice in invoices.only("id", "number", "issue_date")
            if record.valid_on(invoice.issue_date) is False
        ]
        if not affected:
            continue
        alert_raise(
            organization_id=buyer.organization_id,
            kind=AlertKind.BUYER_REGISTRATION_INVALID,
            subject=f"buyer:{buyer.pk}:{record.number}:{record.status}:{record.ended_on or ''}",
            invoice_id=affected[0].pk,
            detail=f"{buyer.company_name} {record.number}: " + ", ".join(i.number for i in affected[:20]),
        )


def _alert_own_number(record: RegistryRecord, *, today: date) -> None:
    """The organization's own number not valid today (not in the registry, canceled or expired): its return
    invoices would name a number its buyers cannot rely on. One alert per organization, number and answer."""
    if record.valid_on(today) is not False:
        return
    for organization in Organization.objects.filter(invoice_registration_number=record.number).only("id"):
        ended = record.ended_on.isoformat() if record.ended_on else ""
        alert_raise(
            organization_id=organization.pk,
            kind=AlertKind.OWN_REGISTRATION_INVALID,
            subject=f"own:{record.number}:{record.status}:{ended}",
            detail=f"{record.number}: {record.get_status_display()}" + (f" ({ended})" if ended else ""),
        )


def _apply(record: RegistryRecord) -> None:
    """What an answer means for the invoices of the buyers with that number, and for the sellers with it."""
    _alert_invalid_buyers(record)
    _alert_own_number(record, today=timezone.localdate())


def lookup_numbers(numbers: list[str], *, client: RegistryClient | None = None) -> None:
    """Ask `num` about the numbers (ten a request) and store each answer; a failure is stored, never raised."""
    if not numbers or not check_enabled():
        return
    client = client or RegistryClient.from_settings()
    for start in range(0, len(numbers), NUM_BATCH):
        batch = sorted(set(numbers[start : start + NUM_BATCH]))
        try:
            answers = {row.number: row for row in client.num(batch) if row.latest}
        except RegistryUnavailable as error:
            _store_error(batch, str(error))
            continue
        now = timezone.now()
        for number in batch:
            with transaction.atomic():
                _apply(_store(number, answers.get(number), now=now))


def refresh_from_diff(*, today: date | None = None, client: RegistryClient | None = None) -> None:
    """The nightly check: the registry's changes of the last days applied to the numbers we watch, then
    a `num` lookup of watched numbers never answered (new, or whose last check failed)."""
    if not check_enabled():
        return
    client = client or RegistryClient.from_settings()
    today = today or timezone.localdate()
    watched = watched_numbers()
    # Three days back, so a night the worker missed is caught up; applying a change twice is harmless.
    try:
        changes = [row for row in client.diff_all(today - timedelta(days=3), today) if row.number in watched]
    except RegistryUnavailable as error:
        _store_error(sorted(watched), f"diff: {error}")
        changes = []
    now = timezone.now()
    for row in changes:
        if row.latest:
            with transaction.atomic():
                _apply(_store(row.number, row, now=now))
    answered = set(
        RegistryRecord.objects.filter(
            number__in=watched, status__in=[RegistryStatus.FOUND, RegistryStatus.UNKNOWN]
        ).values_list("number", flat=True)
    )
    lookup_numbers(sorted(watched - answered), client=client)
