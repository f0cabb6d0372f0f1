from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, Role, User
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
