import os
import secrets
import subprocess
import sys
from pathlib import Path

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
