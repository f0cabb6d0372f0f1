"""The peers of the webhook endpoint on the same gunicorn, without Django.

`application` reads the body and answers 200: what the server, the sockets and the client cost alone.
`storing_application` also does what any webhook endpoint must: checks Stripe's signature on the raw body and
INSERTs the event once (… ON CONFLICT DO NOTHING, autocommit) through psycopg, one connection per thread, into
the table bench/webhooks.py makes for its psycopg floor.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
import stripe


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


_local = threading.local()


def _connection() -> psycopg.Connection[Any]:
    if getattr(_local, "connection", None) is None:
        _local.connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _local.connection  # type: ignore[no-any-return]


def storing_application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    payload = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
    try:
        stripe.WebhookSignature.verify_header(
            payload, environ.get("HTTP_STRIPE_SIGNATURE", ""), os.environ["STRIPE_WEBHOOK_SECRET"], tolerance=300
        )
    except stripe.SignatureVerificationError:
        start_response("400 Bad Request", [("Content-Type", "text/plain"), ("Content-Length", "7")])
        return [b"refused"]
    event = json.loads(payload)
    inserted = (
        _connection()
        .execute(
            "INSERT INTO bench_floor_event (stripe_id, type, payload) VALUES (%s, %s, %s) "
            "ON CONFLICT (stripe_id) DO NOTHING RETURNING id",
            [event["id"], event["type"], payload],
        )
        .fetchone()
    )
    body = b"ok" if inserted else b"duplicate"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
