"""Which code handles which Stripe event type.

Apps register handlers for the event types they own in their `AppConfig.ready()`
(payments: `payment_intent.*`, `account.*`; refunds: `refund.*`, `charge.refund*`,
`charge.dispute.*`); this app stores each event once (`services`) and dispatches it
through here (`dispatch`). The registry sits beside the store, below the apps that
register, so they reach down to it and the store never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class WebhookEvent:
    """A verified Stripe event: its id, type, connected account and the object it is about."""

    id: str
    type: str
    created: datetime
    account: str | None
    object: Mapping[str, Any]
    payload: Mapping[str, Any]


WebhookHandler = Callable[[WebhookEvent], None]

_handlers: dict[str, list[WebhookHandler]] = {}


def register_webhook_handler(event_type: str, handler: WebhookHandler) -> None:
    """Have `handler` process every event of `event_type`. Handlers must be idempotent: events repeat."""
    registered = _handlers.setdefault(event_type, [])
    if handler not in registered:
        registered.append(handler)


def webhook_handlers_for(event_type: str) -> list[WebhookHandler]:
    return list(_handlers.get(event_type, ()))
