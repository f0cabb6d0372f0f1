"""Access that resists abuse: sign-ins throttled per (account, address) and per account, idle sessions end,
passwords change."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoicedesk.accounts.models import Organization, Role
from tests import factories

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, password: str) -> str:
    return client.post("/accounts/login/", {"username": email, "password": password}).content.decode()


def test_repeated_failures_lock_the_account_from_that_address_and_say_when_to_try_again(org: Organization) -> None:
    factories.member(org, Role.OPERATOR, email="target@example.test")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert 'data-testid="locked-out"' not in sign_in(attacker, "target@example.test", "guess")
    locked = sign_in(attacker, "target@example.test", "guess")
    assert 'data-testid="locked-out"' in locked and "Try again in 15 minutes" in locked
    # Even the right password is refused from that address now ...
    assert 'data-testid="locked-out"' in sign_in(attacker, "target@example.test", factories.PASSWORD)
    # ... but the account's owner, elsewhere, is not locked out by someone else's guesses.
    owner = Client(REMOTE_ADDR="198.51.100.1")
    assert (
        owner.post("/accounts/login/", {"username": "target@example.test", "password": factories.PASSWORD}).status_code
        == 302
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        again = Client(REMOTE_ADDR="203.0.113.9")
        signed_in = again.post("/accounts/login/", {"username": "target@example.test", "password": factories.PASSWORD})
        assert signed_in.status_code == 302  # the lock-out ended when the page said it would


def test_guesses_spread_over_many_addresses_lock_the_account_everywhere(org: Organization) -> None:
    factories.member(org, Role.OPERATOR, email="spread@example.test")
    per_address = settings.AXES_FAILURE_LIMIT - 1  # never enough to lock any one address out
    addresses = iter(f"203.0.113.{index}" for index in range(1, 200))
    failures = 0
    while failures < settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1:
        guesser = Client(REMOTE_ADDR=next(addresses))
        for _ in range(min(per_address, settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1 - failures)):
            assert 'data-testid="locked-out"' not in sign_in(guesser, "spread@example.test", "guess")
            failures += 1
    # One short of the account's limit: its owner still signs in (from an address of their own).
    owner = Client(REMOTE_ADDR="198.51.100.1")
    assert (
        owner.post("/accounts/login/", {"username": "spread@example.test", "password": factories.PASSWORD}).status_code
        == 302
    )
    owner.post("/accounts/logout/")
    assert 'data-testid="locked-out"' in sign_in(Client(REMOTE_ADDR=next(addresses)), "spread@example.test", "guess")
    # Now nobody signs in to this account, whatever the address, until the cool-off is over.
    locked = sign_in(Client(REMOTE_ADDR="198.51.100.2"), "spread@example.test", factories.PASSWORD)
    assert 'data-testid="locked-out"' in locked
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        later = Client(REMOTE_ADDR="198.51.100.2")
        assert (
            later.post(
                "/accounts/login/", {"username": "spread@example.test", "password": factories.PASSWORD}
            ).status_code
            == 302
        )


def test_one_address_failing_on_many_accounts_locks_out_none_of_their_owners(org: Organization) -> None:
    # No limit per address alone: behind one NAT or proxy, one person's mistakes (or an attacker's spraying)
    # must not lock everyone at that address out. Each account still counts its own failures.
    for index in range(settings.AXES_FAILURE_LIMIT + 1):
        factories.member(org, Role.OPERATOR, email=f"user{index}@spray.test")
    sprayer = Client(REMOTE_ADDR="203.0.113.10")
    pages = [sign_in(sprayer, f"user{index}@spray.test", "guess") for index in range(settings.AXES_FAILURE_LIMIT)]
    assert not any('data-testid="locked-out"' in page for page in pages)
    colleague = Client(REMOTE_ADDR="203.0.113.10")
    last = f"user{settings.AXES_FAILURE_LIMIT}@spray.test"
    assert colleague.post("/accounts/login/", {"username": last, "password": factories.PASSWORD}).status_code == 302


def test_a_good_sign_in_resets_the_count(org: Organization) -> None:
    factories.member(org, Role.OPERATOR, email="forgetful@example.test")
    client = Client(REMOTE_ADDR="192.0.2.20")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "forgetful@example.test", "guess")
    assert (
        client.post(
            "/accounts/login/", {"username": "forgetful@example.test", "password": factories.PASSWORD}
        ).status_code
        == 302
    )
    client.post("/accounts/logout/")
    assert 'data-testid="locked-out"' not in sign_in(client, "forgetful@example.test", "guess")


def test_sessions_end_after_eight_idle_hours_and_each_request_renews_them(org: Organization) -> None:
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.post(
            "/accounts/login/",
            {
                "username": factories.member(org, Role.VIEWER, email="idle@example.test").email,
                "password": factories.PASSWORD,
            },
        )
        for _ in range(3):  # a working day and more, never idle for 8 h
            traveller.shift(timedelta(hours=7, minutes=59))
            assert client.get("/billing/").status_code == 200
        traveller.shift(timedelta(hours=8, seconds=1))
        idle = client.get("/billing/")
    assert idle.status_code == 302 and idle["Location"].startswith("/accounts/login/")


def test_a_session_in_use_is_written_at_most_once_a_minute(org: Organization) -> None:
    client = Client()
    client.force_login(factories.member(org, Role.VIEWER, email="busy@example.test"))

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/billing/").status_code == 200
        return sum(1 for query in queries if query["sql"].startswith('UPDATE "django_session"'))

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert session_writes() == 1  # renewed: its idle time starts again
        traveller.shift(timedelta(seconds=settings.SESSION_RENEW_SECONDS - 1))
        assert session_writes() == 0  # a page view within the minute writes nothing
        traveller.shift(timedelta(seconds=1))
        assert session_writes() == 1


def test_an_unknown_session_cookie_stores_no_session() -> None:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "made-up-session-key-0123456789"
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/billing/").status_code == 302
    assert not Session.objects.exists()


def test_a_user_changes_their_password(org: Organization) -> None:
    user = factories.member(org, Role.VIEWER, email="viewer2@example.test")
    client = Client()
    client.force_login(user)
    assert 'href="/accounts/password/"' in client.get("/billing/").content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": "a-much-better-secret-2026",
            "new_password2": "a-much-better-secret-2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-better-secret-2026")
