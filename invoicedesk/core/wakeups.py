"""Waking idle workers the moment work arrives (PostgreSQL LISTEN/NOTIFY), instead of at their next poll.

Whoever adds work calls `wake_workers(queue)` on the connection that adds it: PostgreSQL delivers a notification
only when its transaction commits, so a worker never wakes before the work is visible, and not at all for work
rolled back. The payload names the queue (TASKS, or a work queue's name: core.work_queues), so only the loop that
takes that work looks. Each `run_worker` process keeps one connection listening (`WakeupListener`); its loops wait
on an Event the listener sets, with the poll interval as a fallback (delayed tasks, leases that end, a listener
reconnecting).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger("invoicedesk.worker")

CHANNEL = "invoicedesk_work"
# The payload for django.tasks' queue; work queues use their own name.
TASKS = "tasks"


def wake_workers(queue: str = TASKS, *, using: str = "default") -> None:
    """Tell the listening workers there is work in `queue`: at commit of the current transaction, or at once in
    autocommit."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, queue])


def waking_workers(sql: str, params: list[Any], *, queue: str, using: str = "default") -> tuple[str, list[Any]]:
    """A statement ending in RETURNING, rewritten to also wake the workers of `queue` for each row it returns
    (PostgreSQL): the work and its wake-up in one round trip. The rows come back as before, with one more (empty)
    column."""
    return f"WITH added AS ({sql}) SELECT added.*, pg_notify(%s, %s) FROM added", [*params, CHANNEL, queue]  # noqa: S608


def wake_workers_on_enqueue(sender: type, **kwargs: Any) -> None:
    """django.tasks' task_enqueued: a task row of the database backend is work the listening workers can take."""
    if issubclass(sender, DatabaseBackend):
        wake_workers(TASKS)


# After a lost listening connection, how long before connecting again (the loops poll meanwhile).
RECONNECT_SECONDS = 2.0
# How often the listening thread looks up from its connection to see whether the worker is stopping.
LISTEN_SLICE_SECONDS = 1.0
# How often the listening connection is checked: one that died quietly (a dropped idle TCP connection) raises
# nothing while it only waits.
CHECK_EVERY_SECONDS = 30.0


class WakeupListener:
    """One listening connection per worker process; every loop that waits for work has its own Event from it."""

    def __init__(self, using: str = "default") -> None:
        self._using = using
        self._events: dict[str, list[threading.Event]] = defaultdict(list)
        self._lock = threading.Lock()

    def waiter(self, queue: str) -> threading.Event:
        """An Event set whenever work may have arrived in `queue`. Clear it before looking for work, then wait on
        it: work that arrives while you look sets it again, so no wake-up is lost between the look and the wait."""
        event = threading.Event()
        with self._lock:
            self._events[queue].append(event)
        return event

    def wake(self, queue: str | None) -> None:
        """Set the Events of `queue`'s loops; None (or a queue nobody waits for): every loop's."""
        with self._lock:
            events = self._events.get(queue or "") or [e for waiting in self._events.values() for e in waiting]
            for event in events:
                event.set()

    def start(self, stop: threading.Event) -> threading.Thread:
        """Listen in a daemon thread until `stop` is set."""
        thread = threading.Thread(target=self._listen_until, args=(stop,), name="wakeups", daemon=True)
        thread.start()
        return thread

    def _listen_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            wrapper: BaseDatabaseWrapper | None = None
            try:
                # A connection of its own, outside Django's per-thread ones: it only waits. Behind PgBouncer's
                # transaction pooling it goes to PostgreSQL itself (DATABASE_LISTEN_URL).
                wrapper = connections.create_connection(self._using)
                if settings.DATABASE_LISTEN:
                    wrapper.settings_dict = {**wrapper.settings_dict, **settings.DATABASE_LISTEN}
                for queue in self._notifications(wrapper, stop):
                    self.wake(queue)
            except Exception:  # whatever broke, the loops poll meanwhile and the listener starts again
                logger.exception("worker wake-ups lost; polling until the listener is back")
                stop.wait(RECONNECT_SECONDS)
            finally:
                if wrapper is not None:
                    wrapper.close()

    def _notifications(self, wrapper: BaseDatabaseWrapper, stop: threading.Event) -> Iterator[str | None]:
        wrapper.ensure_connection()
        raw = wrapper.connection
        raw.autocommit = True
        raw.execute(f"LISTEN {CHANNEL}")
        # Anything sent while this connection was not listening yet is lost: every loop looks once.
        yield None
        checked = time.monotonic()
        while not stop.is_set():
            for notification in raw.notifies(timeout=LISTEN_SLICE_SECONDS):
                yield notification.payload
            if time.monotonic() - checked > CHECK_EVERY_SECONDS:
                raw.execute("SELECT 1")  # raises on a connection that died quietly: the listener reconnects
                checked = time.monotonic()
