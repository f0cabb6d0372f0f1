"""A rate limit shared by every worker process, kept in PostgreSQL (a GCRA-style slot reservation).

Each call reserves the next free moment of its limit in one atomic upsert of a single row (`core_rateslot`):
`next_at = GREATEST(next_at, now) + 1/rate`, and sleeps until the moment it got. The row lock is held only for
that statement (autocommit), so processes and threads queue on PostgreSQL's clock, whatever their number, and
calls start at least 1/rate seconds apart: no second ever holds more than `rate` of them. A first call on an empty
table inserts the row (ON CONFLICT makes two first calls one row). Why not spread jobs by `schedule_at`: jobs that
run late (workers busy or down) would all become due at once and burst, and a job's calls vary in number.
"""

from __future__ import annotations

import time

from django.db import connection, connections

_RESERVE = """
INSERT INTO core_rateslot (name, next_at) VALUES (%s, clock_timestamp() + make_interval(secs => %s))
ON CONFLICT (name) DO UPDATE
    SET next_at = GREATEST(core_rateslot.next_at, clock_timestamp()) + make_interval(secs => %s)
RETURNING EXTRACT(EPOCH FROM core_rateslot.next_at - clock_timestamp())::float - %s
"""


def reserve_slot(name: str, *, per_second: float) -> float:
    """Reserve the next free moment of limit `name`; returns how many seconds from now it is (≤ 0: now)."""
    interval = 1.0 / per_second
    params = (name, interval, interval, interval)
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(_RESERVE, params)
            return float(cursor.fetchone()[0])
    # Inside a transaction the row would stay locked until its commit, holding up every other caller: a
    # connection of its own (autocommit) instead.
    side = connections.create_connection("default")
    try:
        with side.cursor() as cursor:
            cursor.execute(_RESERVE, params)
            return float(cursor.fetchone()[0])
    finally:
        side.close()


def wait_for_slot(name: str, *, per_second: float) -> float:
    """Block until this caller's turn under limit `name`; returns the seconds waited."""
    delay = reserve_slot(name, per_second=per_second)
    if delay > 0:
        time.sleep(delay)
    return max(delay, 0.0)
