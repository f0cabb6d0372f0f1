"""Waking idle workers the moment work arrives (PostgreSQL LISTEN/NOTIFY), instead of at their next poll.

Whoever adds work calls `wake_workers()` on the connection that adds it: PostgreSQL delivers a notification only
when its transaction commits, so a worker never wakes before the work is visible, and not at all for work rolled
back. Each `run_worker` process keeps one connection listening (`WakeupListener`); its loops wait on an Event the
listener sets, with the poll interval as a fallback (delayed tasks, leases that end, a dropped connection). On
SQLite nothing is sent and the workers poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger("invoicedesk.worker")

CHANNEL = "invoicedesk_work"


def wakeups_supported(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def wake_workers(*, using: str = "default") -> None:
    """Tell the listening workers there is work: at commit of the current transaction, or at once in autocommit."""
    if not wakeups_supported(using):
        return
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


def waking_workers(sql: str, params: list[Any], *, using: str = "default") -> tuple[str, list[Any]]:
    """A statement ending in RETURNING, rewritten to also wake the workers for each row it returns (PostgreSQL):
    the work and its wake-up in one round trip. The rows come back as before, with one more (empty) column."""
    if not wakeups_supported(using):
        return sql, params
    return f"WITH added AS ({sql}) SELECT added.*, pg_notify(%s, '') FROM added", [*params, CHANNEL]  # noqa: S608


def wake_workers_on_enqueue(sender: type, **kwargs: Any) -> None:
    """django.tasks' task_enqueued: a task row of the database backend is work the listening workers can take."""
    if issubclass(sender, DatabaseBackend):
        wake_workers()


# After a lost listening connection, how long before connecting again (the loops poll meanwhile).
RECONNECT_SECONDS = 2.0
# How often the listening thread looks up from its connection to see whether the worker is stopping.
LISTEN_SLICE_SECONDS = 1.0


class WakeupListener:
    """One listening connection per worker process; every loop that waits for work has its own Event from it."""

    def __init__(self, using: str = "default") -> None:
        self._using = using
        self._events: list[threading.Event] = []
        self._lock = threading.Lock()

    def waiter(self) -> threading.Event:
        """An Event set whenever work may have arrived. Clear it before looking for work, then wait on it: work
        that arrives while you look sets it again, so no wake-up is lost between the look and the wait."""
        event = threading.Event()
        with self._lock:
            self._events.append(event)
        return event

    def wake_all(self) -> None:
        with self._lock:
            for event in self._events:
                event.set()

    def start(self, stop: threading.Event) -> threading.Thread | None:
        """Listen in a daemon thread until `stop` is set; None (the loops poll) when the database cannot notify."""
        if not wakeups_supported(self._using):
            return None
        thread = threading.Thread(target=self._listen_until, args=(stop,), name="wakeups", daemon=True)
        thread.start()
        return thread

    def _listen_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            # A connection of its own, outside Django's per-thread ones: it only waits, it never queries. Behind
            # PgBouncer's transaction pooling it goes to PostgreSQL itself (DATABASE_LISTEN_URL).
            wrapper = connections.create_connection(self._using)
            if settings.DATABASE_LISTEN:
                wrapper.settings_dict = {**wrapper.settings_dict, **settings.DATABASE_LISTEN}
            try:
                for _ in self._notifications(wrapper, stop):
                    self.wake_all()
            except (DatabaseError, psycopg.Error, OSError) as error:
                logger.warning("worker wake-ups lost (%s); polling until reconnected", error)
                stop.wait(RECONNECT_SECONDS)
            finally:
                wrapper.close()

    def _notifications(self, wrapper: BaseDatabaseWrapper, stop: threading.Event) -> Iterator[None]:
        wrapper.ensure_connection()
        raw = wrapper.connection
        raw.autocommit = True
        raw.execute(f"LISTEN {CHANNEL}")
        # Anything sent while this connection was not yet listening: every loop looks once.
        yield None
        while not stop.is_set():
            for _ in raw.notifies(timeout=LISTEN_SLICE_SECONDS):
                yield None
