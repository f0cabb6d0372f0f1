"""System checks (`manage.py check`, run at every start) for settings that must agree with each other."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from .http import trusted_proxy_networks

# The stripe SDK pauses before retry n for min(0.5 s × 2^(n-1), 5 s) (stripe.HTTPClient INITIAL_DELAY, MAX_DELAY).
STRIPE_FIRST_RETRY_DELAY_SECONDS = 0.5
STRIPE_MAX_RETRY_DELAY_SECONDS = 5.0
# One SMTP send takes several socket operations (connect, greeting, STARTTLS, auth, envelope, DATA).
SMTP_OPERATIONS_PER_SEND = 6


def stripe_worst_case_seconds() -> float:
    """The longest one Stripe call can take: every attempt timing out, with the SDK's pauses between them."""
    retries = settings.STRIPE_MAX_NETWORK_RETRIES
    pauses = sum(
        min(STRIPE_FIRST_RETRY_DELAY_SECONDS * 2 ** (retry - 1), STRIPE_MAX_RETRY_DELAY_SECONDS)
        for retry in range(1, retries + 1)
    )
    return float(settings.STRIPE_TIMEOUT_SECONDS * (retries + 1) + pauses)


def smtp_worst_case_seconds() -> float:
    return float(settings.SMTP_TIMEOUT_SECONDS * SMTP_OPERATIONS_PER_SEND)


@register()
def stripe_calls_fit_in_a_worker_task(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    worst = stripe_worst_case_seconds()
    if worst < settings.WORKER_TASK_TIMEOUT_SECONDS:
        return []
    return [
        Error(
            f"A Stripe call can take {worst:g} s (STRIPE_TIMEOUT_SECONDS={settings.STRIPE_TIMEOUT_SECONDS:g} × "
            f"{settings.STRIPE_MAX_NETWORK_RETRIES + 1} attempts), not less than the worker's task timeout "
            f"WORKER_TASK_TIMEOUT_SECONDS={settings.WORKER_TASK_TIMEOUT_SECONDS}: a task still waiting on Stripe "
            "would be taken for dead.",
            hint="Lower STRIPE_TIMEOUT_SECONDS or STRIPE_MAX_NETWORK_RETRIES, or raise WORKER_TASK_TIMEOUT_SECONDS.",
            id="invoicedesk.E001",
        )
    ]


@register()
def smtp_sends_fit_in_a_worker_task(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    worst = smtp_worst_case_seconds()
    if not settings.SMTP_HOST or worst < settings.WORKER_TASK_TIMEOUT_SECONDS:
        return []
    return [
        Error(
            f"An email can take {worst:g} s to send (SMTP_TIMEOUT_SECONDS={settings.SMTP_TIMEOUT_SECONDS:g} × "
            f"{SMTP_OPERATIONS_PER_SEND} steps), not less than WORKER_TASK_TIMEOUT_SECONDS="
            f"{settings.WORKER_TASK_TIMEOUT_SECONDS}: another worker would send a slow email again.",
            hint="Lower SMTP_TIMEOUT_SECONDS or raise WORKER_TASK_TIMEOUT_SECONDS.",
            id="invoicedesk.E002",
        )
    ]


@register()
def trusted_proxies_are_addresses(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    try:
        trusted_proxy_networks(settings.TRUSTED_PROXIES)
    except ValueError as error:
        return [
            Error(
                str(error),
                hint='Set TRUSTED_PROXIES to comma-separated addresses or CIDRs, e.g. "10.0.0.0/8,192.0.2.10".',
                id="invoicedesk.E003",
            )
        ]
    return []


@register()
def heartbeats_outpace_the_stalled_timeout(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """A live worker must never be taken for dead: it beats several times within the stalled timeout."""
    if settings.WORKER_HEARTBEAT_SECONDS * 3 <= settings.WORKER_STALLED_SECONDS:
        return []
    return [
        Error(
            f"WORKER_HEARTBEAT_SECONDS={settings.WORKER_HEARTBEAT_SECONDS:g} is more than a third of "
            f"WORKER_STALLED_SECONDS={settings.WORKER_STALLED_SECONDS:g}: one late heartbeat would have a live "
            "worker's jobs run a second time.",
            hint="Lower WORKER_HEARTBEAT_SECONDS or raise WORKER_STALLED_SECONDS.",
            id="invoicedesk.E004",
        )
    ]


@register()
def stripe_rate_limit_is_positive(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The reconciliation spaces its Stripe requests 1/STRIPE_RATE_LIMIT_PER_SECOND apart (core.pacing)."""
    if settings.STRIPE_RATE_LIMIT_PER_SECOND > 0:
        return []
    return [
        Error(
            f"STRIPE_RATE_LIMIT_PER_SECOND={settings.STRIPE_RATE_LIMIT_PER_SECOND:g}: the reconciliation could make "
            "no Stripe request.",
            hint="Set it to Stripe's limit (25 in test mode, 100 live) or below.",
            id="invoicedesk.E005",
        )
    ]


@register()
def tasks_are_jobs_of_the_queue(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Work and the job that follows it commit together only when the job is a row of the same database."""
    from django.tasks import task_backends

    from .queue import ProcrastinateBackend

    if isinstance(task_backends["default"], ProcrastinateBackend):
        return []
    return [
        Error(
            f"TASKS uses {type(task_backends['default']).__name__}: a refund's job would not commit with the refund "
            "(a crash between the two loses it), and no worker would run it.",
            hint="Leave TASKS as settings.py sets it: invoicedesk.core.queue.ProcrastinateBackend.",
            id="invoicedesk.E006",
        )
    ]
