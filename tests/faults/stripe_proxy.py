"""A tiny HTTP proxy between the worker and localstripe, with what localstripe lacks and a fault to inject.

- Idempotency: a POST repeated with an Idempotency-Key already answered gets the first answer again, marked
  `Idempotent-Replayed: true`, as Stripe does (localstripe would act twice). A repeat while the first is still
  on its way to localstripe gets Stripe's 409 `idempotency_key_in_use`.
- Slow answer: POST /v1/refunds is forwarded at once, but its answer is held for `hold_refund_seconds`
  (or until `release` is set): Stripe has refunded, the caller has not heard.
- Slow Stripe: with `delay_seconds`, every request is answered that much later (a Stripe that takes its time).
- `timed`: each request as (time.monotonic() at its arrival, method, path), to count and pace them.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Hop-by-hop headers, and those http.server writes itself.
_NOT_COPIED = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "host",
    "proxy-connection",
    "server",
    "date",
}

Answer = tuple[int, list[tuple[str, str]], bytes]


class StripeProxy:
    def __init__(self, upstream: str, *, hold_refund_seconds: float = 0, delay_seconds: float = 0) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 80
        self.hold_refund_seconds = hold_refund_seconds
        self.lock = threading.Lock()
        self.replayed: dict[str, Answer] = {}
        self.in_flight: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.delay_seconds = delay_seconds
        self.timed: list[tuple[float, str, str]] = []
        self.refund_posts = 0
        self.replays = 0
        self.undelivered = 0  # answers whose caller had gone when we sent them
        self.refund_forwarded = threading.Event()  # set once localstripe has answered a refund POST we hold
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StripeProxy:
        self._thread = threading.Thread(target=self.server.serve_forever, name="stripe-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def upstream(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=15)
        try:
            conn.request(method, path, body=body if body or method in ("POST", "DELETE") else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            kept = [(name, value) for name, value in response.getheaders() if name.lower() not in _NOT_COPIED]
            return response.status, kept, data
        finally:
            conn.close()


def _handler_for(proxy: StripeProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._forward()

        def do_POST(self) -> None:
            self._forward()

        def do_DELETE(self) -> None:
            self._forward()

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name: value for name, value in self.headers.items() if name.lower() not in _NOT_COPIED}
            if body or self.command in ("POST", "DELETE"):
                headers["Content-Length"] = str(len(body))
            key = self.headers.get("Idempotency-Key") if self.command == "POST" else None
            is_refund = self.command == "POST" and urllib.parse.urlsplit(self.path).path == "/v1/refunds"
            with proxy.lock:
                proxy.requests.append((self.command, self.path))
                proxy.timed.append((time.monotonic(), self.command, self.path))
                if is_refund:
                    proxy.refund_posts += 1
                replay = proxy.replayed.get(key) if key else None
                busy = bool(key) and replay is None and key in proxy.in_flight
                if replay is not None:
                    proxy.replays += 1
                elif key and not busy:
                    proxy.in_flight.add(key)
            if replay is not None:
                status, response_headers, data = replay
                self._answer(status, [*response_headers, ("Idempotent-Replayed", "true")], data)
                return
            if busy:
                error = {
                    "error": {
                        "type": "idempotency_error",
                        "code": "idempotency_key_in_use",
                        "message": "There is currently another in-progress request using this Idempotent Key.",
                    }
                }
                self._answer(409, [("Content-Type", "application/json")], json.dumps(error).encode())
                return
            try:
                status, response_headers, data = proxy.upstream(self.command, self.path, headers, body)
            finally:
                if key:
                    with proxy.lock:
                        proxy.in_flight.discard(key)
            if key and status < 500:
                with proxy.lock:
                    proxy.replayed.setdefault(key, (status, response_headers, data))
            if proxy.delay_seconds:
                time.sleep(proxy.delay_seconds)
            if is_refund and proxy.hold_refund_seconds:
                proxy.refund_forwarded.set()
                proxy.release.wait(proxy.hold_refund_seconds)
            self._answer(status, response_headers, data)

        def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
            try:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except OSError:  # the caller is gone (a killed worker)
                with proxy.lock:
                    proxy.undelivered += 1

    return Handler
