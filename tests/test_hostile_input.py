"""No input answers 5xx. Every URL pattern is walked, signed in as an admin (with an API key for the API), with a
table of hostile values in its path parts, its query string and its form fields; the eight causes of 500s
found in issue 23 each answer 4xx with a message. schemathesis covers the API's bodies (tests/api).
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization, Role, User
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.api.keys import api_key_create
from invoicedesk.backoffice.forms import OrganizationSettingsForm
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.notifications.models import Notification
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# What a hand-made or hostile request puts where a page's own links put an id, a cursor, a date or a word.
HOSTILE = [
    "²",  # a digit to str.isdigit(), not to int()
    "\x00",
    "x~1",
    "-99999999999999999999~1",
    "2026-01-01~²",
    "-1",
    "0",
    "99999999999999999999",
    "9" * 400,
    "1e309",
    "NaN",
    "１２３",
    "2026-02-30",
    "0000-00-00",
    "a" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e",
]
# Bytes no UTF-8 text holds (a lone surrogate, 0xFF), percent-encoded as a hand-made query string sends them.
RAW_QUERY_VALUE = "%ED%A0%80%FF%00"
# Path parts, as typed in an address bar (percent-encoded where they must be).
HOSTILE_PATH = [
    "²",
    "%00",
    "%ff",
    "x~1",
    "-1",
    "0",
    "99999999999999999999",
    "9223372036854775808",
    "9" * 400,
    "a" * 3000,
    "%E2%80%AE",
    "%ED%A0%80",
    "..%2f..%2fetc%2fpasswd",
    "%3Cscript%3E",
    "１",
]
# The pages that read their query string: each parameter alone is hostile there too (with all of them at once a
# page may stop at the first it refuses). Every other route gets them all at once.
QUERY_PAGES = {
    "backoffice:invoice_list",
    "backoffice:invoice_export",
    "backoffice:refund_list",
    "backoffice:invoice_detail",
    "backoffice:buyer_email",
    "backoffice:audit_log",
    "alerts:alert_list",
    "refunds:approvals",
    "payments:pay",
    "devtools:test_mode_pay",
    "api:invoice_list",
    "api:refund_create",  # GET /api/v1/refunds (the refund list) shares its path, and so its name
    "api:audit_entry_list",
}
# Pages a POST with every field hostile would leave unusable for the rest of the walk.
NOT_POSTED = {"accounts/logout/"}


@dataclass
class World:
    client: Client
    ids: dict[str, list[int | str]]
    user: User
    api_secret: str


@pytest.fixture
def world(
    make_paid_invoice: Callable[..., BillingInvoice],
    org: Organization,
    other_org: Organization,
    settings: Any,
    transactional_db: None,
) -> World:
    """An organization with what every page shows: a paid invoice refunded (its email sent), a held refund, an
    alert, an API key, members; the admin walking it also belongs to a second organization."""
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    admin = factories.member(org, Role.ADMIN, email="walker@example.test")
    Membership.objects.create(user=admin, organization=other_org, role=Role.VIEWER)
    operator = factories.member(org, Role.OPERATOR)
    operator_membership = Membership.objects.select_related("organization", "user").get(user=operator)
    paid = make_paid_invoice(number="INV-WALK-1")
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=paid.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    Organization.objects.filter(pk=org.pk).update(refund_approval_policy=ApprovalPolicy.ALWAYS)
    operator_membership.organization.refresh_from_db()
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=paid.pk,
            amount=1_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    assert Refund.objects.filter(status=RefundStatus.PENDING_APPROVAL).exists()
    assert Notification.objects.exists()
    alert_raise(organization_id=org.pk, kind=AlertKind.PAYMENT_DIFFERS, subject="pi_walk")
    admin_membership = Membership.objects.select_related("organization", "user").get(user=admin, organization=org)
    secret = api_key_create(actor=admin_membership, name="walk").secret
    client = Client()
    client.force_login(admin)
    ids: dict[str, list[int | str]] = {
        "invoice_id": [paid.pk, factories.invoice(org).pk],
        "refund_id": list(Refund.objects.values_list("pk", flat=True)),
        "notification_id": list(Notification.objects.values_list("pk", flat=True)),
        "alert_id": list(Alert.objects.values_list("pk", flat=True)),
        "membership_id": list(Membership.objects.filter(organization=org).values_list("pk", flat=True)),
        "api_key_id": [1],
        "document_id": [1],
        "token": [paid.payment_link.token],
    }
    return World(client=client, ids=ids, user=admin, api_secret=secret)


# ---------------------------------------------------------------- what to walk


_PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_API_PLACEHOLDER = re.compile(r"\{(?P<name>\w+)\}")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    """Every route of the URLconf as a path() string; regex routes (the Django admin's app index) are left out,
    and counted by the test that they are few."""
    for pattern in patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _fill(route: str, ids: dict[str, list[int | str]], hostile: tuple[str, str] | None = None) -> str:
    """The route with real ids (the first of each kind), or with `hostile` = (name, value) in one place."""

    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if hostile is not None and hostile[0] == name:
            return hostile[1]
        known = ids.get(name)
        if known:
            return str(known[0])
        return "1" if match.group("converter") in {"id", "int"} else "no-such-thing"

    return "/" + _PLACEHOLDER.sub(value, route)


def _query_names() -> list[str]:
    """Every query parameter a page reads: named in the views' code, or a field of a form bound to request.GET."""
    names: set[str] = set()
    for source in (ROOT / "invoicedesk").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        names |= set(re.findall(r"GET\.(?:get|getlist)\(\"(\w+)\"", text))
        names |= set(re.findall(r"query_id\(request, \"(\w+)\"\)", text))
    bound_to_query: set[str] = set()
    for source in (ROOT / "invoicedesk").rglob("*.py"):
        bound_to_query |= set(re.findall(r"(\w+Form)\(request\.GET", source.read_text(encoding="utf-8")))
    for source in (ROOT / "invoicedesk").rglob("*.html"):
        names |= set(re.findall(r"request\.GET\.(\w+)", source.read_text(encoding="utf-8")))
    for form in _our_forms():
        if form.__name__ in bound_to_query:
            names |= set(form.base_fields)
    # The API's query parameters (tests/api fuzzes their types; here the values of this table).
    names |= {"cursor", "limit", "number", "bill_to", "issued_from", "issued_to", "status", "since", "until"}
    return sorted(names)


def _our_forms() -> list[type[forms.Form]]:
    found: list[type[forms.Form]] = []
    stack: list[type[forms.Form]] = [forms.Form]
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        if form.__module__.startswith("invoicedesk."):
            found.append(form)
    return found


def _post_fields() -> list[str]:
    names = {"organization", "language", "next", "action", "role", "decision", "step", "comment", "email"}
    for form in _our_forms():
        names |= set(form.base_fields)
    return sorted(names)


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


# ---------------------------------------------------------------- the walk


def test_every_route_is_walked() -> None:
    routes = list(_routes(get_resolver().url_patterns))
    ours = [route for route in routes if not route.startswith("admin/")]
    # The walk reaches each page of ours (a route dropped from it would go untested without this).
    for expected in ("billing/", "billing/invoices/<id:invoice_id>/", "pay/<str:token>/", "accounts/organization/"):
        assert expected in routes
    assert len(ours) >= 30 and any(route.startswith("api/v1/") for route in ours)


def test_hostile_path_parts_never_answer_5xx(world: World) -> None:
    for route in _routes(get_resolver().url_patterns):
        names = [match.group("name") for match in _PLACEHOLDER.finditer(route)]
        names += [match.group("name") for match in _API_PLACEHOLDER.finditer(route)]
        for name, value in itertools.product(names, HOSTILE_PATH):
            path = _fill(route, world.ids, (name, value)).replace("{" + name + "}", value)
            world.client.force_login(world.user)
            _check(world.client.get(path, headers=_bearer(route, world)), path)
            if route not in NOT_POSTED and value in HOSTILE_PATH[:3]:
                _check(world.client.post(path, headers=_bearer(route, world)), f"POST {path}")


def _bearer(route: str, world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.api_secret}"} if route.startswith("api/") else {}


def test_hostile_query_strings_never_answer_5xx(world: World) -> None:
    names = _query_names()
    assert {"before", "after", "sort", "q", "part", "tab", "since", "amount_min"} <= set(names)
    assert "refund_approval_policy" not in names  # a POST form's field
    walked_alone = set()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("admin/") or route in NOT_POSTED:
            continue
        path = _fill(route, world.ids)
        world.client.force_login(world.user)
        headers = _bearer(route, world)
        for value in HOSTILE:
            # Every parameter at once, then each alone (a page may stop at the first one it refuses).
            _check(world.client.get(path, dict.fromkeys(names, value), headers=headers), f"{path} all={value[:20]!r}")
        if resolve(path).view_name in QUERY_PAGES:
            walked_alone.add(resolve(path).view_name)
            for name, value in itertools.product(names, ("²", "x~1", "9" * 400)):
                _check(world.client.get(path, {name: value}, headers=headers), f"{path}?{name}={value[:20]!r}")
        raw = "&".join(f"{name}={RAW_QUERY_VALUE}" for name in names)
        _check(world.client.get(f"{path}?{raw}", headers=headers), f"{path}?…={RAW_QUERY_VALUE}")
    # /pay/<token>/ is one of the two, whichever serves it (the test card form in test mode).
    assert QUERY_PAGES - walked_alone in ({"payments:pay"}, {"devtools:test_mode_pay"}), walked_alone


def test_hostile_form_fields_never_answer_5xx(world: World) -> None:
    fields = _post_fields()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/")) or route in NOT_POSTED:
            continue
        path = _fill(route, world.ids)
        for value in HOSTILE:
            world.client.force_login(world.user)
            _check(world.client.post(path, dict.fromkeys(fields, value)), f"POST {path} all={value[:20]!r}")


def test_each_settings_field_alone_hostile_never_answers_5xx(world: World) -> None:
    valid = {
        "refund_approval_policy": "above",
        "refund_approval_threshold_amount": "50000",
        "refund_approval_expiry_hours": "72",
        "time_zone": "Asia/Tokyo",
        "tax_rounding": "down",
    }
    values = ("²", "\x00", "9" * 25, "-1", "99999999999999999999", "a" * 5000, "NaN", "１２３", "1e309")
    for name, value in itertools.product(OrganizationSettingsForm.base_fields, values):
        world.client.force_login(world.user)
        response = world.client.post("/billing/settings/", {**valid, name: value})
        _check(response, f"settings {name}={value[:20]!r}")


# ---------------------------------------------------------------- the eight causes of issue 23


def test_the_eight_causes_of_500s_answer_4xx_with_a_message(world: World) -> None:
    invoice_id = world.ids["invoice_id"][0]
    client = world.client
    page_link = "This page link is not valid"
    not_ours = "must be a positive whole number"
    for response, status, message in [
        (client.get("/billing/", {"before": "x~1"}), 422, page_link),
        (client.get("/billing/", {"after": "-99999999999999999999~1"}), 422, page_link),
        (client.get("/billing/", {"after": "-99999999999999999999~1", "sort": "amount"}), 422, page_link),
        (client.get(f"/billing/invoices/{invoice_id}/", {"tab": "transactions", "before": "²"}), 422, not_ours),
        (client.get("/billing/audit/", {"before": "²"}), 422, not_ours),
        (client.get("/billing/refunds/", {"before": "²"}), 422, not_ours),
        (client.post("/accounts/organization/", {"organization": "²"}), 422, "Choose an organization"),
        (client.get("/pay/%00/"), 404, "No such payment link"),
        (client.get("/pay/%00/return/"), 404, "No such payment link"),
    ]:
        assert response.status_code == status, (response.request, response.status_code)
        assert message in response.content.decode(), response.request

    # A threshold of 25 digits on the settings page: the form says so, nothing is saved.
    response = client.post(
        "/billing/settings/",
        {
            "refund_approval_policy": "above",
            "refund_approval_threshold_amount": "9" * 25,
            "refund_approval_expiry_hours": "72",
            "time_zone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 200 and "The amount is too large: at most ¥999,999,999,999." in (
        response.content.decode()
    )
    assert Organization.objects.get(memberships__user=world.user, memberships__role=Role.ADMIN).pk
    assert not Organization.objects.filter(refund_approval_threshold_amount__gt=999_999_999_999).exists()

    # The API: a memo with NUL (422 naming the field), a body over 2.5 MB (413). The webhook's three are in
    # tests/stripe_integration/test_intake.py.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_secret}")
    body = {"invoice_id": invoice_id, "amount": 1_000, "currency": "JPY", "classification": "PARTIAL"}
    nul = api.post(
        "/api/v1/refunds", {**body, "memo": "a\x00b"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="nul"
    )
    assert nul.status_code == 422 and nul.json()["field"] == "memo"
    huge = api.post(
        "/api/v1/refunds",
        {**body, "memo": "m" * 2_600_000},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="huge",
    )
    assert huge.status_code == 413 and huge.json()["code"] == "request_too_large"
