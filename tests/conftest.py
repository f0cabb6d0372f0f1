from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.db_roles import grant_app_role
from invoicedesk.devtools.localstripe import JAPAN_CARD_FEE_PERCENT, ConnectDouble, LocalStripe, free_port
from invoicedesk.refunds.live import stop_listening
from invoicedesk.refunds.models import RefundClassification
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories, worker


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # Argon2 is deliberately slow; unit tests need no such protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


def app_role_name() -> str:
    """The suite's application role on PostgreSQL: one per test database, so parallel runs do not share it."""
    return f"{connection.settings_dict['NAME']}_app"[:63]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """On PostgreSQL the suite runs as an application role like production's: the test database is made and
    migrated by its owner (the superuser of DATABASE_URL), the role gets what `migrate` grants it, and every
    connection (threads, subprocess workers: PGOPTIONS is libpq's) switches to it at once. So a test passes only
    if the application needs no more than that. Flushing between transactional tests (TRUNCATE) and the tests
    that stand in for the owner (`owner_rights`) switch back for that moment."""
    role = app_role_name()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        grant_app_role(connection=connection, role=role)
        connection.close()
    os.environ["PGOPTIONS"] = f"-c role={role}"
    flush = DatabaseOperations.execute_sql_flush

    def flush_as_owner(self: DatabaseOperations, sql_list: list[str]) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET ROLE NONE")
        try:
            flush(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {role}")

    DatabaseOperations.execute_sql_flush = flush_as_owner  # type: ignore[method-assign,assignment]
    yield
    DatabaseOperations.execute_sql_flush = flush  # type: ignore[method-assign]
    del os.environ["PGOPTIONS"]
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")  # its grants; it owns nothing
            cursor.execute(f"DROP ROLE {role}")
        connection.close()


@contextmanager
def database_owner(*, regrant: bool = True) -> Iterator[None]:
    """Inside: the test's connection acts as the tables' owner (what `migrate` runs as); after, the application
    role again, granted anew as `migrate` does (`regrant`: tables the owner made are the app's too)."""
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE NONE")
    try:
        yield
    finally:
        if regrant:
            grant_app_role(connection=connection, role=app_role_name())
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {app_role_name()}")


@pytest.fixture
def owner_rights() -> Callable[[], AbstractContextManager[None]]:
    """`with owner_rights():` the test's connection acts as the tables' owner (see database_owner)."""
    return database_owner


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
def _worker_at_commit(settings: Any) -> None:
    # Production's job queue, and its worker run when the work commits (tests/worker.py).
    settings.TASKS = {"default": {"BACKEND": worker.BACKEND}}


@pytest.fixture(autouse=True)
def _job_queue_emptied(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """The job queue's tables belong to procrastinate (unmanaged models), so the flush after a transactional test
    leaves them: empty them too, or one test's jobs are the next one's."""
    yield
    marker = request.node.get_closest_marker("django_db")
    # Transactional as pytest-django decides it: by the marker, or by a fixture that asks for committed rows.
    by_marker = marker is not None and marker.kwargs.get("transaction")
    if not by_marker and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_periodic_defers")
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripe]:
    server = LocalStripe(port=free_port()).start()
    yield server
    server.stop()


def _talk_to(server: LocalStripe, settings: pytest.FixtureRequest) -> LocalStripe:
    server.reset()
    settings.STRIPE_API_BASE = server.url  # type: ignore[attr-defined]
    settings.STRIPE_SECRET_KEY = "sk_test_invoicedesk"  # type: ignore[attr-defined]
    settings.STRIPE_TEST_CARD_FORM = True  # type: ignore[attr-defined]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_invoicedesk"  # type: ignore[attr-defined]
    return server


@pytest.fixture
def stripe_server(localstripe_server: LocalStripe, settings: pytest.FixtureRequest) -> LocalStripe:
    """A clean localstripe that the app's Stripe gateway talks to."""
    return _talk_to(localstripe_server, settings)


@pytest.fixture(scope="session")
def localstripe_with_fees_server() -> Iterator[LocalStripe]:
    server = LocalStripe(port=free_port(), fee_percent=JAPAN_CARD_FEE_PERCENT).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_server_with_fees(localstripe_with_fees_server: LocalStripe, settings: pytest.FixtureRequest) -> LocalStripe:
    """As stripe_server, but each charge's balance transaction carries Stripe's 3.6 % fee (as `make run`'s)."""
    return _talk_to(localstripe_with_fees_server, settings)


@pytest.fixture(scope="session")
def connect_double_server(localstripe_server: LocalStripe) -> Iterator[ConnectDouble]:
    server = ConnectDouble(port=free_port(), platform=localstripe_server).start()
    yield server
    server.stop()


@pytest.fixture
def connect_double(stripe_server: LocalStripe, connect_double_server: ConnectDouble, settings: Any) -> ConnectDouble:
    """The Connect double in front of a clean localstripe, no accounts yet: what the app's Stripe gateway talks to."""
    connect_double_server.reset()  # the platform's localstripe too; the accounts' go back to its pool
    settings.STRIPE_API_BASE = connect_double_server.url
    return connect_double_server


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


# A seller registered under the Qualified Invoice System (its refunds get return invoices).
REGISTRATION = "T7000012050002"


@pytest.fixture
def registered(org: Organization) -> Organization:
    org.invoice_registration_number = REGISTRATION
    org.invoice_issuer_name = "Demo Seller Inc."
    org.contact_email = "support@seller.example"
    org.save()
    return org


@pytest.fixture
def refund(transactional_db: None, operator_membership: Membership) -> Callable[..., None]:
    """A refund asked for and committed; the worker runs its jobs at that commit (tests/worker.py), so the test is
    transactional."""

    def _refund(invoice: BillingInvoice, amount: int, classification: str = RefundClassification.PARTIAL) -> None:
        refund_request(
            actor=operator_membership,
            request=RefundInput(
                invoice_id=invoice.pk,
                amount=amount,
                classification=RefundClassification(classification),
                idempotency_key=uuid.uuid4(),
            ),
        )

    return _refund
