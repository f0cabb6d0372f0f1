from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import LocalStripe, free_port
from invoicedesk.refunds.live import stop_listening
from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # Argon2 is deliberately slow; unit tests need no such protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def org(db: None) -> Organization:
    return factories.organization("Demo Seller Inc.")


@pytest.fixture
def other_org(db: None) -> Organization:
    return factories.organization("Other Seller K.K.")


@pytest.fixture
def operator(org: Organization) -> User:
    return factories.member(org, Role.OPERATOR, email="operator@example.test")


@pytest.fixture
def login() -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def operator_client(operator: User, login: Callable[[User], Client]) -> Client:
    return login(operator)


@pytest.fixture(autouse=True)
def _live_listener_stopped() -> Iterator[None]:
    # A test's long polls may start the process's listening connection (refunds.live); it must not outlive the
    # test database.
    yield
    stop_listening()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: pytest.FixtureRequest) -> None:
    # Tasks enqueued on commit run right there; tests/payments/test_worker.py covers the real db_worker.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripe]:
    server = LocalStripe(port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_server(localstripe_server: LocalStripe, settings: pytest.FixtureRequest) -> LocalStripe:
    """A clean localstripe that the app's Stripe gateway talks to."""
    localstripe_server.reset()
    settings.STRIPE_API_BASE = localstripe_server.url  # type: ignore[attr-defined]
    settings.STRIPE_SECRET_KEY = "sk_test_invoicedesk"  # type: ignore[attr-defined]
    settings.STRIPE_TEST_CARD_FORM = True  # type: ignore[attr-defined]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_invoicedesk"  # type: ignore[attr-defined]
    return localstripe_server


@pytest.fixture
def make_paid_invoice(org: Organization, stripe_server: LocalStripe) -> Callable[..., BillingInvoice]:
    def make(amount: int = 110_000, **fields: object) -> BillingInvoice:
        bill_to = factories.buyer(
            org,
            "Sakura Trading Co., Ltd.",
            contact_name="Haruka Sato",
            email="billing@sakura-trading.example",
            language="en",
        )
        return factories.pay_through_stripe(factories.invoice(org, bill_to=bill_to, amount=amount, **fields))  # type: ignore[arg-type]

    return make


@pytest.fixture
def paid_invoice(make_paid_invoice: Callable[..., BillingInvoice]) -> BillingInvoice:
    return make_paid_invoice(number="INV-2026-0001")


@pytest.fixture
def operator_membership(operator: User) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user=operator)
