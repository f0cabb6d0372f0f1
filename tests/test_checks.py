"""Settings that must agree: a Stripe call's worst case fits inside a worker task."""

from typing import Any

from django.core.checks import registry

from invoicedesk.core.checks import (
    smtp_sends_fit_in_a_worker_task,
    stripe_calls_fit_in_a_worker_task,
    stripe_worst_case_seconds,
)


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
    assert "invoicedesk.E001" not in _errors()  # 100 s × 2 + 0.5 s < 300 s


def test_the_sdks_longer_pauses_are_counted(settings: Any) -> None:
    settings.STRIPE_TIMEOUT_SECONDS = 1
    settings.STRIPE_MAX_NETWORK_RETRIES = 6  # pauses 0.5 + 1 + 2 + 4 + 5 + 5 s
    assert stripe_worst_case_seconds() == 7 + 17.5


def test_an_smtp_timeout_longer_than_a_worker_task_refuses_to_start(settings: Any) -> None:
    settings.SMTP_HOST = "smtp.example.test"
    settings.SMTP_TIMEOUT_SECONDS = 60
    settings.WORKER_TASK_TIMEOUT_SECONDS = 300
    assert [m.id for m in smtp_sends_fit_in_a_worker_task(None)] == ["invoicedesk.E002"]
    settings.SMTP_TIMEOUT_SECONDS = 20
    assert smtp_sends_fit_in_a_worker_task(None) == []


def test_a_heartbeat_too_slow_for_the_stalled_timeout_is_an_error(settings: Any) -> None:
    from invoicedesk.core.checks import heartbeats_outpace_the_stalled_timeout

    settings.WORKER_HEARTBEAT_SECONDS, settings.WORKER_STALLED_SECONDS = 5, 30
    assert heartbeats_outpace_the_stalled_timeout(None) == []
    settings.WORKER_HEARTBEAT_SECONDS = 15  # one late beat and a live worker's jobs would run twice
    assert [m.id for m in heartbeats_outpace_the_stalled_timeout(None)] == ["invoicedesk.E004"]


def test_a_stripe_rate_limit_of_zero_is_an_error(settings: Any) -> None:
    from invoicedesk.core.checks import stripe_rate_limit_is_positive

    settings.STRIPE_RATE_LIMIT_PER_SECOND = 25
    assert stripe_rate_limit_is_positive(None) == []
    settings.STRIPE_RATE_LIMIT_PER_SECOND = 0
    assert [m.id for m in stripe_rate_limit_is_positive(None)] == ["invoicedesk.E005"]


def test_a_task_backend_other_than_the_job_queue_is_an_error(settings: Any) -> None:
    from invoicedesk.core.checks import tasks_are_jobs_of_the_queue

    assert tasks_are_jobs_of_the_queue(None) == []  # the tests' backend is the queue's, with a worker at commit
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert [m.id for m in tasks_are_jobs_of_the_queue(None)] == ["invoicedesk.E006"]
