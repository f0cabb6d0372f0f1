"""schemathesis against the API's own OpenAPI schema, in process (WSGI), with every check it has.

Requests carry an admin's API key (so every operation is reachable), and object ids are steered onto real
objects of the organization half of the time, so the fuzzing reaches the services, not only the 404s. No
answer may be a 5xx or break the schema (status codes, content types, headers, bodies).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from schemathesis import GenerationMode

from invoicedesk.accounts.models import ApprovalPolicy, Organization, Role
from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.wsgi import application
from tests import factories

from .conftest import key_for, paid_invoice_without_stripe

pytestmark = pytest.mark.django_db

ID_PARAMETERS = ("invoice_id", "refund_id", "alert_id")


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    # Django's test client keeps the test's connection (and its transaction) open across requests; a bare WSGI
    # call would close it at the end of each request, as a real server does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(org: Organization, settings: Any, keep_the_test_connection: None) -> dict[str, Any]:
    """An organization with paid, unpaid and out-of-scope invoices, held refunds and an alert."""
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    org.refund_approval_policy = ApprovalPolicy.ABOVE
    org.refund_approval_threshold_amount = 50_000
    org.save()
    admin = factories.member(org, Role.ADMIN)
    invoices = [paid_invoice_without_stripe(org) for _ in range(3)]
    invoices.append(factories.invoice(org))
    invoices.append(factories.invoice(org, payment_method="bank_transfer"))
    alert = alert_raise(organization_id=org.pk, kind=AlertKind.PAYMENT_DIFFERS, subject="pi_fuzz")
    return {
        "secret": key_for(admin, org),
        "ids": {
            "invoice_id": [invoice.pk for invoice in invoices],
            "refund_id": [],  # filled as the fuzzing makes refunds
            "alert_id": [alert.pk],
        },
    }


@schema.parametrize()
@seed(20261201)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: Any, world: dict[str, Any]) -> None:
    from invoicedesk.refunds.models import Refund

    world["ids"]["refund_id"] = list(Refund.objects.values_list("pk", flat=True)[:5])
    for name in ID_PARAMETERS:
        value = (case.path_parameters or {}).get(name)
        known = world["ids"][name]
        if isinstance(value, int) and value % 2 == 0 and known:
            case.path_parameters[name] = known[value // 2 % len(known)]
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        case.body = _json_integers(case.body)
    case.call_and_validate(headers={"Authorization": f"Bearer {world['secret']}"})


def _json_integers(value: Any) -> Any:
    """JSON Schema counts 402.0 as an integer, the API takes JSON integers only (a float is no amount of minor
    units; docs/api.md), and no schema can tell the two apart: a valid case sends its integers as integers.
    test_strict_input.py holds the API to refusing 402.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _json_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_integers(item) for item in value]
    return value
