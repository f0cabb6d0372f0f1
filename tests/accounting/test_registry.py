"""Registration numbers against the National Tax Agency's registry, through a double of its Web-API at the HTTP
boundary (a local server speaking the documented JSON of `num`, `valid` and `diff`): known, canceled and unknown
numbers, the registry's errors and timeouts (stored, never in a refund's way), the flags and the alert."""

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from invoicedesk.accounting.models import RegistryRecord, RegistryStatus
from invoicedesk.accounting.registry import RegistryClient, RegistryUnavailable, lookup_numbers, refresh_from_diff
from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.accounts.services import SETTINGS_FIELDS, OrganizationSettings, organization_settings_update
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.billing.models import BillingInvoice, Buyer
from invoicedesk.billing.services import buyer_registration_number_entered
from invoicedesk.core.tax import registration_check_digit
from invoicedesk.refunds.models import RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories
from tests.http import form_values

pytestmark = pytest.mark.django_db(transaction=True)


def _number(twelve: str) -> str:
    return f"T{registration_check_digit(twelve)}{twelve}"


VALID = _number("000012050002")
CANCELED = _number("000012050003")
UNKNOWN = _number("000012050004")
BROKEN = _number("000012050005")  # the double answers 500
SLOW = _number("000012050006")  # the double answers after the client's timeout


def _row(number: str, name: str, registered: str, disposal: str = "", process: str = "01") -> dict[str, str]:
    """An `announcement` row as the registry's JSON (type=21) has it; the spelling registratedNumber is theirs."""
    return {
        "sequenceNumber": "1",
        "registratedNumber": number,
        "process": process,
        "correct": "0",
        "kind": "2",
        "country": "1",
        "latest": "1",
        "registrationDate": registered,
        "updateDate": registered,
        "disposalDate": disposal,
        "expireDate": "",
        "address": "東京都千代田区霞が関３丁目１－１",
        "name": name,
        "kana": "",
        "tradeName": "",
        "popularName_previousName": "",
    }


class RegistryDouble:
    def __init__(self) -> None:
        self.rows = {
            VALID: _row(VALID, "株式会社さくら商事", "2023-10-01"),
            CANCELED: _row(CANCELED, "株式会社もみじ", "2023-10-01", disposal="2026-01-15", process="04"),
        }
        self.diff_pages: list[list[dict[str, str]]] = [[]]
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.url = ""

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, object]:
        self.requests.append((path, query))
        if query.get("id") != "test-app-id" or query.get("type") != "21":
            return 400, {"errors": "bad request"}
        if path == "/1/num":
            numbers = query["number"].split(",")
            if BROKEN in numbers:
                return 500, {"errors": "internal"}
            if SLOW in numbers:
                time.sleep(1.0)
            rows = [self.rows[n] for n in numbers if n in self.rows]
            return 200, {"lastUpdateDate": "2026-04-30", "count": str(len(rows)), "announcement": rows}
        if path == "/1/valid":
            row = self.rows.get(query["number"])
            day = query["day"]
            ok = (
                row is not None
                and row["registrationDate"] <= day
                and not (row["disposalDate"] and day >= row["disposalDate"])
            )
            rows = [row] if ok and row else []
            return 200, {"lastUpdateDate": "2026-04-30", "count": str(len(rows)), "announcement": rows}
        if path == "/1/diff":
            divide = int(query.get("divide", "1"))
            page = self.diff_pages[divide - 1]
            return 200, {
                "lastUpdateDate": "2026-04-30",
                "count": str(sum(len(p) for p in self.diff_pages)),
                "divideNumber": str(divide),
                "divideSize": str(len(self.diff_pages)),
                "announcement": page,
            }
        return 404, {"errors": "not found"}


@pytest.fixture
def registry(settings: Any) -> Iterator[RegistryDouble]:
    double = RegistryDouble()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            status, body = double.answer(parts.path, query)
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (timeout test)
                self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    double.url = f"http://127.0.0.1:{server.server_port}"
    settings.NTA_APP_ID = "test-app-id"
    settings.NTA_API_URL = double.url
    settings.NTA_TIMEOUT_SECONDS = 0.3
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()


def _detail(invoice: BillingInvoice) -> str:
    return reverse("backoffice:invoice_detail", kwargs={"invoice_id": invoice.pk})


def _enter(buyer: Buyer, number: str) -> None:
    """Enter a buyer's number as its writes do (the admin, the demo): saved, then its lookup queued explicitly; the
    job runs at the commit (the tests' worker, tests/worker.py)."""
    buyer.invoice_registration_number = number
    buyer.save()
    buyer_registration_number_entered(buyer)


def test_a_number_saved_without_its_explicit_call_is_not_looked_up_until_the_nightly_check(
    org: Organization, registry: RegistryDouble
) -> None:
    # No receiver hangs off the save: the write that enters a number queues its lookup, by name.
    factories.buyer(org, "Quiet K.K.", invoice_registration_number=VALID)
    assert registry.requests == []
    refresh_from_diff(today=date(2026, 4, 30))  # the nightly check asks about watched numbers never answered
    assert RegistryRecord.objects.get(number=VALID).status == RegistryStatus.FOUND


def test_numbers_entered_are_looked_up_with_num_and_stored(org: Organization, registry: RegistryDouble) -> None:
    for number in (VALID, CANCELED, UNKNOWN):
        _enter(factories.buyer(org, f"Buyer {number}"), number)

    path, query = registry.requests[0]
    assert path == "/1/num"
    assert query == {"id": "test-app-id", "number": VALID, "history": "0", "type": "21"}
    valid = RegistryRecord.objects.get(number=VALID)
    assert (valid.status, valid.name, valid.registration_date, valid.ended_on) == (
        RegistryStatus.FOUND,
        "株式会社さくら商事",
        date(2023, 10, 1),
        None,
    )
    canceled = RegistryRecord.objects.get(number=CANCELED)
    assert (canceled.status, canceled.disposal_date) == (RegistryStatus.FOUND, date(2026, 1, 15))
    assert canceled.valid_on(date(2026, 1, 14)) is True
    assert canceled.valid_on(date(2026, 1, 15)) is False
    unknown = RegistryRecord.objects.get(number=UNKNOWN)
    assert unknown.status == RegistryStatus.UNKNOWN
    assert unknown.valid_on(date(2026, 4, 1)) is False


def test_without_an_application_id_nothing_is_asked_and_nothing_flagged(
    org: Organization,
    registry: RegistryDouble,
    settings: Any,
    login: Callable[[User], Client],
) -> None:
    settings.NTA_APP_ID = ""
    buyer = factories.buyer(org)
    _enter(buyer, CANCELED)
    RegistryRecord.objects.create(number=CANCELED, status=RegistryStatus.UNKNOWN)
    invoice = factories.invoice(org, bill_to=buyer, issue_date=date(2026, 4, 1))

    assert registry.requests == []
    admin = login(factories.member(org, Role.ADMIN))
    settings_page = admin.get("/billing/settings/").content.decode()
    assert 'data-testid="registry-check-off"' in settings_page
    assert "NTA_APP_ID" in settings_page
    assert 'data-testid="registry-flag"' not in admin.get(_detail(invoice)).content.decode()


def _set_own_number(org: Organization, number: str) -> Membership:
    """The organization's number entered through its settings (the service the Settings page calls)."""
    Organization.objects.filter(pk=org.pk).update(require_two_factor=False)
    org.refresh_from_db()
    admin = Membership.objects.select_related("organization", "user").get(user=factories.member(org, Role.ADMIN))
    values = {name: getattr(org, name) for name in SETTINGS_FIELDS}
    organization_settings_update(
        actor=admin, settings=OrganizationSettings(**{**values, "invoice_registration_number": number})
    )
    return admin


def test_settings_shows_the_organizations_own_number_as_registered(
    org: Organization,
    registry: RegistryDouble,
    login: Callable[[User], Client],
) -> None:
    admin = _set_own_number(org, VALID)
    assert registry.requests[0][1]["number"] == VALID  # the settings service queued the lookup
    page = login(admin.user).get("/billing/settings/").content.decode()
    assert 'data-testid="registry-check-off"' not in page
    assert 'data-testid="own-registry"' in page
    assert "株式会社さくら商事" in page
    assert "2023-10-01" in page
    assert 'data-testid="own-registry-invalid"' not in page
    assert not Alert.objects.filter(organization=org, kind=AlertKind.OWN_REGISTRATION_INVALID).exists()


@pytest.mark.parametrize("number", [CANCELED, UNKNOWN], ids=["canceled", "unknown"])
def test_the_organizations_own_number_canceled_or_unknown_alerts_its_admins_and_settings_says_so(
    org: Organization,
    registry: RegistryDouble,
    login: Callable[[User], Client],
    number: str,
) -> None:
    admin = _set_own_number(org, number)
    page = login(admin.user).get("/billing/settings/").content.decode()
    assert 'data-testid="own-registry-invalid"' in page
    alert = Alert.objects.get(organization=org, kind=AlertKind.OWN_REGISTRATION_INVALID)
    assert number in alert.detail
    lookup_numbers([number])  # asked again: the same answer raises no second alert
    assert Alert.objects.filter(organization=org, kind=AlertKind.OWN_REGISTRATION_INVALID).count() == 1


def test_a_buyer_with_a_canceled_number_is_flagged_on_its_invoice_and_the_refund_modal_with_an_alert(
    org: Organization, registry: RegistryDouble, operator_client: Client
) -> None:
    buyer = factories.buyer(org, "株式会社もみじ")
    invoice = factories.invoice(org, bill_to=buyer, issue_date=date(2026, 4, 1))
    earlier = factories.invoice(org, bill_to=buyer, issue_date=date(2025, 12, 1))
    _enter(buyer, CANCELED)

    page = operator_client.get(_detail(invoice)).content.decode()
    assert 'data-testid="registry-flag"' in page
    assert "2026-01-15" in page
    # Sold while the number was still valid: not flagged.
    assert 'data-testid="registry-flag"' not in operator_client.get(_detail(earlier)).content.decode()
    modal = operator_client.get(reverse("refunds:refund", args=[invoice.pk]), headers={"HX-Request": "true"})
    assert modal.status_code == 200
    assert 'data-testid="invoice-notice"' in modal.content.decode()
    alert = Alert.objects.get(organization=org, kind=AlertKind.BUYER_REGISTRATION_INVALID)
    assert alert.invoice_id == invoice.pk
    assert invoice.number in alert.detail and earlier.number not in alert.detail


def test_an_unknown_number_and_one_sold_before_registration_are_flagged(
    org: Organization, registry: RegistryDouble, operator_client: Client
) -> None:
    unknown_buyer = factories.buyer(org, "Unknown K.K.")
    _enter(unknown_buyer, UNKNOWN)
    early_buyer = factories.buyer(org, "Early K.K.")
    _enter(early_buyer, VALID)
    unknown_invoice = factories.invoice(org, bill_to=unknown_buyer, issue_date=date(2026, 4, 1))
    early_invoice = factories.invoice(org, bill_to=early_buyer, issue_date=date(2023, 9, 1))
    valid_invoice = factories.invoice(org, bill_to=early_buyer, issue_date=date(2026, 4, 1))

    assert "is not in the National Tax Agency" in operator_client.get(_detail(unknown_invoice)).content.decode()
    assert "not yet registered" in operator_client.get(_detail(early_invoice)).content.decode()
    valid_page = operator_client.get(_detail(valid_invoice)).content.decode()
    assert 'data-testid="registry-flag"' not in valid_page
    assert "株式会社さくら商事" in valid_page


@pytest.mark.parametrize("number", [BROKEN, SLOW], ids=["5xx", "timeout"])
def test_registry_errors_are_stored_and_never_block_a_refund(
    org: Organization,
    registry: RegistryDouble,
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    operator_client: Client,
    number: str,
) -> None:
    invoice = make_paid_invoice(amount=22_000)
    _enter(invoice.buyer, number)
    record = RegistryRecord.objects.get(number=number)
    assert record.status == RegistryStatus.ERROR
    assert record.error

    modal = operator_client.get(reverse("refunds:refund", args=[invoice.pk]), headers={"HX-Request": "true"})
    assert modal.status_code == 200
    assert 'data-testid="invoice-notice"' not in modal.content.decode()  # no answer, no claim
    refund = refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=22_000,
            classification=RefundClassification.FULL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED


def test_an_earlier_answer_survives_a_failed_check(org: Organization, registry: RegistryDouble) -> None:
    RegistryRecord.objects.create(
        number=BROKEN, status=RegistryStatus.FOUND, name="Before", registration_date=date(2023, 10, 1)
    )
    factories.buyer(org, invoice_registration_number=BROKEN)
    refresh_from_diff(today=date(2026, 4, 30))  # num is not asked again for an answered number
    registry.diff_pages = [[]]
    RegistryRecord.objects.filter(number=BROKEN).update(status=RegistryStatus.ERROR)
    refresh_from_diff(today=date(2026, 4, 30))  # asked again: 500
    record = RegistryRecord.objects.get(number=BROKEN)
    assert (record.status, record.name, record.error) == (RegistryStatus.ERROR, "Before", "HTTP 500")
    assert record.valid_on(date(2026, 4, 1)) is True


def test_the_nightly_diff_applies_a_cancellation_across_its_pages_and_alerts(
    org: Organization, registry: RegistryDouble, operator_client: Client
) -> None:
    buyer = factories.buyer(org)
    invoice = factories.invoice(org, bill_to=buyer, issue_date=date(2026, 4, 20))
    _enter(buyer, VALID)
    assert 'data-testid="registry-flag"' not in operator_client.get(_detail(invoice)).content.decode()

    other = _number("000099990001")  # someone we do not watch: ignored
    registry.diff_pages = [
        [_row(other, "他社", "2023-10-01", disposal="2026-04-10", process="04")],
        [_row(VALID, "株式会社さくら商事", "2023-10-01", disposal="2026-04-10", process="04")],
    ]
    registry.requests.clear()
    refresh_from_diff(today=date(2026, 4, 30))

    diffs = [query for path, query in registry.requests if path == "/1/diff"]
    assert [(q["from"], q["to"], q["divide"]) for q in diffs] == [
        ("2026-04-27", "2026-04-30", "1"),
        ("2026-04-27", "2026-04-30", "2"),
    ]
    assert RegistryRecord.objects.get(number=VALID).disposal_date == date(2026, 4, 10)
    assert not RegistryRecord.objects.filter(number=other).exists()
    assert 'data-testid="registry-flag"' in operator_client.get(_detail(invoice)).content.decode()
    assert Alert.objects.filter(organization=org, kind=AlertKind.BUYER_REGISTRATION_INVALID).count() == 1


def test_valid_answers_for_a_day_and_errors_raise_registry_unavailable(registry: RegistryDouble) -> None:
    client = RegistryClient.from_settings()
    assert client.valid(CANCELED, date(2026, 1, 14)) is not None
    assert client.valid(CANCELED, date(2026, 1, 15)) is None
    path, query = registry.requests[-1]
    assert (path, query["day"], query["type"]) == ("/1/valid", "2026-01-15", "21")
    with pytest.raises(RegistryUnavailable, match="HTTP 500"):
        client.num([BROKEN])
    with pytest.raises(RegistryUnavailable, match="not JSON"):
        RegistryClient(app_id="x", base_url="http://x", timeout=1, opener=lambda url, timeout: b"<html>").num([VALID])
    with pytest.raises(ValueError, match="one to ten"):
        client.num([VALID] * 11)


def test_the_return_invoices_record_carries_the_flag(
    org: Organization,
    registry: RegistryDouble,
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    operator_client: Client,
) -> None:
    org.invoice_registration_number = VALID
    org.invoice_issuer_name = "Demo Seller Inc."
    org.save()
    invoice = make_paid_invoice(amount=22_000, issue_date=date.today() - timedelta(days=1))
    _enter(invoice.buyer, CANCELED)
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=22_000,
            classification=RefundClassification.FULL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    page = operator_client.get(_detail(invoice) + "?tab=transactions").content.decode()
    assert 'data-testid="refund-document"' in page
    assert 'data-testid="document-registry-flag"' in page


def test_a_number_entered_in_the_admin_is_looked_up(
    org: Organization, registry: RegistryDouble, client: Client
) -> None:
    # The Buyer and Organization admins are writes below the accounting app: they queue the lookup by name.
    client.force_login(User.objects.create_superuser("support@invoicedesk.example", "x"))
    buyer = factories.buyer(org, "Admin K.K.")
    for url, form_id, number in [
        (f"/admin/billing/buyer/{buyer.pk}/change/", "buyer_form", CANCELED),
        (f"/admin/accounts/organization/{org.pk}/change/", "organization_form", VALID),
    ]:
        data = form_values(client.get(url).content.decode(), form_id)
        assert client.post(url, {**data, "invoice_registration_number": number}).status_code == 302
        assert RegistryRecord.objects.get(number=number).status == RegistryStatus.FOUND
    assert [query["number"] for path, query in registry.requests] == [CANCELED, VALID]
