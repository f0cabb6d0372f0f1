"""Access that resists abuse: sign-ins throttled per account and per address, idle sessions end, passwords change."""

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


def test_repeated_failures_lock_the_account_and_say_when_to_try_again(org: Organization) -> None:
    factories.member(org, Role.OPERATOR, email="target@example.test")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert 'data-testid="locked-out"' not in sign_in(attacker, "target@example.test", "guess")
    locked = sign_in(attacker, "target@example.test", "guess")
    assert 'data-testid="locked-out"' in locked and "Try again in 15 minutes" in locked
    # Even the right password is refused now, from anywhere: the account is locked.
    elsewhere = Client(REMOTE_ADDR="198.51.100.1")
    assert 'data-testid="locked-out"' in sign_in(elsewhere, "target@example.test", factories.PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        owner = Client(REMOTE_ADDR="198.51.100.1")
        signed_in = owner.post("/accounts/login/", {"username": "target@example.test", "password": factories.PASSWORD})
        assert signed_in.status_code == 302  # the lock-out ended when the page said it would


def test_one_address_trying_many_accounts_is_locked_too(org: Organization) -> None:
    for index in range(settings.AXES_FAILURE_LIMIT):
        factories.member(org, Role.OPERATOR, email=f"user{index}@spray.test")
    sprayer = Client(REMOTE_ADDR="203.0.113.10")
    pages = [sign_in(sprayer, f"user{index}@spray.test", "guess") for index in range(settings.AXES_FAILURE_LIMIT)]
    assert 'data-testid="locked-out"' in pages[-1]


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
