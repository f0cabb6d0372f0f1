"""Hooks: a business event's follow-up that a lower app calls, explicitly, in the app above it that owns it.

`refunds` may not import `notifications`, yet recording a refund's success must queue the buyer's email in that
same transaction. The owning service declares a typed `Hook` beside its code (`refunds.hooks.refund_succeeded`),
the app above registers its one function in `AppConfig.ready()`, and the service calls it where the event
happens (`refund_succeeded.call(refund=…, link=…)`), the way it calls its own functions. Unlike a signal: the
call is written in the owning service's flow (Zulip's `do_*` style), its arguments are type-checked, it has one
registrant, and calling a hook nobody registered is an error, not a silent no-op. Work that can wait for the
commit is not a hook but a task queued by name (`core.named_tasks`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_hooks: dict[str, Hook[Any]] = {}


class Hook[F: Callable[..., object]]:
    def __init__(self, name: str) -> None:
        if name in _hooks:
            raise ValueError(f"hook {name!r} is declared twice")
        self.name = name
        self._function: F | None = None
        _hooks[name] = self

    def register(self, function: F) -> None:
        """Called once, in the owning app's AppConfig.ready(); another function for the same hook is an error."""
        if self._function is not None and self._function is not function:
            raise ValueError(f"hook {self.name!r} already has {self._function!r}; it has one registrant")
        self._function = function

    @property
    def registered(self) -> bool:
        return self._function is not None

    @property
    def call(self) -> F:
        if self._function is None:
            raise LookupError(f"nothing registered for hook {self.name!r}; its app registers it in AppConfig.ready()")
        return self._function


def declared_hooks() -> list[Hook[Any]]:
    return list(_hooks.values())
