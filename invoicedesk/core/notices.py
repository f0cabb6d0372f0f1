"""Notices about an invoice that an app above the refund modal knows and the modal shows (a registry by name).

`refunds` may not import `accounting`, yet the modal must say when the buyer's registration number was not valid
on the sale's date. The app that knows registers a function in `AppConfig.ready()`; the modal's view asks for the
notices of its invoice. A notice informs, it never refuses: a function that fails is left out, so a notice can
never stand between an operator and a refund.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_notices: dict[str, Callable[[Any], str | None]] = {}


def register_invoice_notice(name: str, notice: Callable[[Any], str | None]) -> None:
    _notices[name] = notice


def invoice_notices(invoice: Any) -> list[str]:
    found = []
    for name, notice in sorted(_notices.items()):
        try:
            text = notice(invoice)
        except Exception:
            logger.exception("invoice notice %s failed; the refund modal goes without it", name)
            continue
        if text:
            found.append(text)
    return found
