import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from invoicedesk.devtools.demo import DemoRefused, seed_demo

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    # The browser tests allow sync ORM calls in Playwright's event loop; production must not.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "INVOICEDESK_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "invoicedesk.example.com",
        "DJANGO_SETTINGS_MODULE": "invoicedesk.settings",
        "STRIPE_SECRET_KEY": "sk_test_deploycheck",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_deploycheck",
        "STRIPE_WEBHOOK_SECRET": "whsec_deploycheck",
        "SMTP_HOST": "smtp.example.com",
        "SITE_URL": "https://invoicedesk.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(INVOICEDESK_ENV="production", ALLOWED_HOSTS="invoicedesk.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_to_start_without_stripe_keys() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    env.update(
        INVOICEDESK_ENV="production", ALLOWED_HOSTS="invoicedesk.example.com", SECRET_KEY=secrets.token_urlsafe(50)
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET must be set" in result.stderr


def _production_env(**extra: str) -> dict[str, str]:
    """A complete production environment, with INVOICEDESK_ENV as given (unset unless in `extra`)."""
    env = {k: v for k, v in os.environ.items() if k not in {"INVOICEDESK_ENV", "DJANGO_DEBUG"}}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="invoicedesk.example.com",
        DJANGO_SETTINGS_MODULE="invoicedesk.settings",
        STRIPE_SECRET_KEY="sk_test_deploycheck",
        STRIPE_PUBLISHABLE_KEY="pk_test_deploycheck",
        STRIPE_WEBHOOK_SECRET="whsec_deploycheck",
        SMTP_HOST="smtp.example.com",
        SITE_URL="https://invoicedesk.example.com",
    )
    env.update(extra)
    return env


def _debug_under(env: dict[str, str]) -> str:
    code = "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_debug_is_on_only_when_development_is_asked_for() -> None:
    # DJANGO_DEBUG=true cannot turn it on outside development either.
    assert _debug_under(_production_env(DJANGO_DEBUG="true")) == "False"  # INVOICEDESK_ENV unset
    assert _debug_under(_production_env(INVOICEDESK_ENV="test", DJANGO_DEBUG="true")) == "False"
    assert _debug_under(_production_env(INVOICEDESK_ENV="production", DJANGO_DEBUG="true")) == "False"
    assert _debug_under(_production_env(INVOICEDESK_ENV="development")) == "True"


def test_an_unset_environment_is_production_and_says_how_to_run_locally() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"INVOICEDESK_ENV", "SECRET_KEY"}}
    env["DJANGO_SETTINGS_MODULE"] = "invoicedesk.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production (INVOICEDESK_ENV is unset" in result.stderr
    assert "INVOICEDESK_ENV=development" in result.stderr


@pytest.mark.parametrize("command", ["seed_demo", "serve_demo"])
@pytest.mark.parametrize("profile", ["production", None])
def test_the_demo_refuses_to_run_in_production(command: str, profile: str | None) -> None:
    env = _production_env(**({"INVOICEDESK_ENV": profile} if profile else {}))
    result = subprocess.run(
        [sys.executable, "manage.py", command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The demo does not run in production" in result.stderr
    assert "Demo data ready" not in result.stdout and "localstripe" not in result.stdout


def test_seeding_the_demo_from_code_refuses_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(DemoRefused, match="does not run in production"):
        seed_demo()
