"""Settings that must agree: a Stripe call's worst case fits inside a worker task."""

from typing import Any

from django.core.checks import registry

from invoicedesk.core.checks import stripe_calls_fit_in_a_worker_task


def _errors() -> list[str]:
    return [message.id or "" for message in stripe_calls_fit_in_a_worker_task(None) if message.level >= 40]


def test_the_check_is_registered() -> None:
    assert stripe_calls_fit_in_a_worker_task in registry.registry.get_checks()


def test_the_default_stripe_timeouts_fit_in_a_worker_task(settings: Any) -> None:
    assert settings.STRIPE_TIMEOUT_SECONDS * (settings.STRIPE_MAX_NETWORK_RETRIES + 1) < (
        settings.WORKER_TASK_TIMEOUT_SECONDS
    )
    assert "invoicedesk.E001" not in _errors()


def test_timeouts_longer_than_a_worker_task_refuse_to_start(settings: Any) -> None:
    settings.STRIPE_TIMEOUT_SECONDS = 100
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    settings.WORKER_TASK_TIMEOUT_SECONDS = 300
    assert "invoicedesk.E001" in _errors()
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    assert "invoicedesk.E001" not in _errors()  # 100 s × 2 + 2 s < 300 s
