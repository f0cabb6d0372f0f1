"""Stripe's answer shown the moment it is recorded: pages long-poll, and the commit that changes a refund wakes them.

A trigger on the refund table (Refund.Meta.triggers) sends `pg_notify(REFUND_CHANNEL, "<payment link>:<refund>")`
when a refund is added or its status (or "awaiting confirmation") changes; PostgreSQL delivers it at commit, so a
page never wakes before the change is visible. Each web process keeps one listening connection, started by the
first page that waits, and wakes the requests waiting for that refund or payment. A request waits at most
LONG_POLL_SECONDS (then the page asks again), so no web thread is held longer than that per open page. Without
notifications (while the listener connects or reconnects) the wait looks at the database every POLL_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger("invoicedesk.live")

REFUND_CHANNEL = "invoicedesk_refund"
# How often a wait without notifications looks at the database (a listener connecting or reconnecting).
POLL_SECONDS = 0.1
RECONNECT_SECONDS = 2.0
LISTEN_SLICE_SECONDS = 1.0
CHECK_EVERY_SECONDS = 30.0
# A listener nobody has waited on for this long closes its connection.
IDLE_SECONDS = 30.0


def refund_key(refund_id: int) -> str:
    return f"refund:{refund_id}"


def link_key(payment_link_id: int) -> str:
    return f"link:{payment_link_id}"


class _Listener:
    """One LISTEN connection per process; requests register an Event under the keys they wait for."""

    def __init__(self, using: str = "default") -> None:
        self._using = using
        self._lock = threading.Lock()
        self._waiting: dict[str, set[threading.Event]] = defaultdict(set)
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while LISTEN is in effect: waits may rely on notifications
        self._stop = threading.Event()
        self._idle_since: float | None = None

    def register(self, keys: Iterable[str], event: threading.Event) -> None:
        with self._lock:
            for key in keys:
                self._waiting[key].add(event)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="refund-live", daemon=True)
                self._thread.start()

    def unregister(self, keys: Iterable[str], event: threading.Event) -> None:
        with self._lock:
            for key in keys:
                waiting = self._waiting.get(key)
                if waiting is not None:
                    waiting.discard(event)
                    if not waiting:
                        del self._waiting[key]

    def _wake(self, keys: Iterable[str] | None) -> None:
        with self._lock:
            if keys is None:  # anything may have changed (the connection was lost): every waiter looks again
                events = {event for waiting in self._waiting.values() for event in waiting}
            else:
                events = {event for key in keys for event in self._waiting.get(key, ())}
        for event in events:
            event.set()

    def _idle(self) -> bool:
        """Nobody has waited for IDLE_SECONDS: the thread ends and its connection closes (the next wait starts
        another), so a process that shows no refund in flight holds no listening connection."""
        with self._lock:
            if self._stop.is_set():
                self._thread = None
                return True
            if self._waiting:
                self._idle_since = None
                return False
            self._idle_since = self._idle_since or time.monotonic()
            if time.monotonic() - self._idle_since < IDLE_SECONDS:
                return False
            self._thread = None
            self._idle_since = None
            return True

    def stop(self, timeout: float = 5.0) -> None:
        """End the listening thread now (tests; a process shutting down)."""
        with self._lock:
            thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join(timeout)
        self._stop.clear()

    def _run(self) -> None:
        while not self._idle():
            wrapper: BaseDatabaseWrapper | None = None
            try:
                wrapper = connections.create_connection(self._using)
                if settings.DATABASE_LISTEN:
                    wrapper.settings_dict = {**wrapper.settings_dict, **settings.DATABASE_LISTEN}
                wrapper.ensure_connection()
                raw = wrapper.connection
                raw.autocommit = True
                raw.execute(f"LISTEN {REFUND_CHANNEL}")
                self.listening.set()
                self._wake(None)  # what changed before LISTEN took effect is seen by looking once more
                checked = time.monotonic()
                while not self._idle():
                    for notification in raw.notifies(timeout=LISTEN_SLICE_SECONDS):
                        link_id, _, refund_id = notification.payload.partition(":")
                        self._wake([link_key(int(link_id)), refund_key(int(refund_id))])
                    if time.monotonic() - checked > CHECK_EVERY_SECONDS:
                        raw.execute("SELECT 1")  # a connection that died quietly raises here
                        checked = time.monotonic()
                return
            except Exception:  # the waits poll meanwhile; listen again shortly
                logger.exception("refund notifications lost; pages poll until the listener is back")
                self._wake(None)
                self._stop.wait(RECONNECT_SECONDS)
            finally:
                self.listening.clear()
                if wrapper is not None:
                    wrapper.close()


_listener = _Listener()
stop_listening = _listener.stop


def wait_for_change(*, keys: list[str], unchanged: Callable[[], bool], timeout: float) -> bool:
    """Wait until `unchanged()` is False or `timeout` seconds pass; True when it changed.

    `unchanged` reads the database (each call in its own autocommit query, so it sees the latest commit); it is
    called after registering for the keys' notifications, so a change committed in between is not missed.
    """
    deadline = time.monotonic() + timeout
    event = threading.Event()
    _listener.register(keys, event)
    try:
        while True:
            if not unchanged():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            # With notifications the Event says when to look; without (or until LISTEN is in effect) look often.
            event.wait(min(left, CHECK_EVERY_SECONDS if _listener.listening.is_set() else POLL_SECONDS))
            event.clear()
    finally:
        _listener.unregister(keys, event)


# Long polls one process holds at once; past it a page is answered at once and asks again after a pause, so
# long polls never take every web thread (gunicorn gthread: WEB_THREADS per process).
_slots = threading.BoundedSemaphore(max(1, settings.REFUND_LONG_POLLS_PER_PROCESS))


@contextmanager
def long_poll_slot() -> Iterator[bool]:
    taken = _slots.acquire(blocking=False)
    try:
        yield taken
    finally:
        if taken:
            _slots.release()
