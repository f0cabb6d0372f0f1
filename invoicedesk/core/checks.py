"""System checks (`manage.py check`, run at every start) for settings that must agree with each other."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

# The stripe SDK sleeps at most this long between two attempts.
STRIPE_MAX_RETRY_DELAY_SECONDS = 2


def stripe_worst_case_seconds() -> float:
    """The longest one Stripe call can take: every attempt timing out, with the SDK's pauses between them."""
    attempts = settings.STRIPE_MAX_NETWORK_RETRIES + 1
    return float(
        settings.STRIPE_TIMEOUT_SECONDS * attempts
        + STRIPE_MAX_RETRY_DELAY_SECONDS * settings.STRIPE_MAX_NETWORK_RETRIES
    )


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
