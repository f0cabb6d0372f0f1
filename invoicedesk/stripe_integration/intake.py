"""Stripe's webhook POSTs, answered before Django's request cycle.

Two endpoints, each with the signing secret Stripe gave it, feed one store: `WEBHOOK_PATH` takes the platform
account's own events (STRIPE_WEBHOOK_SECRET), `CONNECT_WEBHOOK_PATH` the events of connected accounts, which
Stripe sends to an endpoint registered for Connect and signs with that endpoint's secret
(STRIPE_CONNECT_WEBHOOK_SECRET). An event signed for one endpoint is refused at the other. Both store the event as
it is, its `account` included; the handlers route it to the organization that owns that account.

A webhook needs none of what the cycle brings (sessions, CSRF, authentication, locale, messages, templates): the
signature on the raw body is its authentication and its work is one INSERT. At hundreds of events a second the
cycle's middleware and URL resolution cost more CPU than the event itself (bench/webhooks.py), so the WSGI
application (invoicedesk.wsgi, which gunicorn and runserver both load) hands POSTs to the webhook's path to
`WebhookIntake` and everything else to Django unchanged. Both ways give the same answer through `webhook_answer`:
Django's view (views.stripe_webhook) serves what does not go through this WSGI application (the test client,
pytest's live server).

What the intake leaves out of Django's cycle, on purpose: the host check (ALLOWED_HOSTS) and the HTTPS redirect
(SECURE_SSL_REDIRECT) — the signature authenticates the sender whatever the Host, nothing is built from it, and
Stripe follows no redirect; a body above DATA_UPLOAD_MAX_MEMORY_SIZE gets 413 here (the view's 400). Its failures
are logged and sent to `got_request_exception`, as Django does, for error reporting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.signals import got_request_exception, request_finished, request_started

from . import gateway
from .services import stripe_event_receive

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/stripe/webhook/"
CONNECT_WEBHOOK_PATH = "/stripe/connect-webhook/"


@dataclass(frozen=True)
class Endpoint:
    """One webhook endpoint registered with Stripe: its path here and the setting holding its signing secret."""

    path: str
    secret_setting: str

    @property
    def secret(self) -> str:
        # Read at each delivery, not at import: the settings of the moment (a rotated secret, a test's override).
        return str(getattr(settings, self.secret_setting))


PLATFORM_ENDPOINT = Endpoint(WEBHOOK_PATH, "STRIPE_WEBHOOK_SECRET")
CONNECT_ENDPOINT = Endpoint(CONNECT_WEBHOOK_PATH, "STRIPE_CONNECT_WEBHOOK_SECRET")
ENDPOINTS = {endpoint.path: endpoint for endpoint in (PLATFORM_ENDPOINT, CONNECT_ENDPOINT)}


@dataclass(frozen=True)
class WebhookAnswer:
    status: HTTPStatus
    text: str


def webhook_answer(*, endpoint: Endpoint, payload: bytes, signature_header: str) -> WebhookAnswer:
    """Verify a delivery to `endpoint` on its raw body with that endpoint's secret and store the event once: 200
    "ok" (new) or "duplicate", 400 if the signature does not hold (or is dated ahead, or was made with another
    endpoint's secret) or the signed body is no event we can store. Anything else (the database down) raises: the
    caller answers 500 and Stripe retries."""
    try:
        event = gateway.parse_webhook(payload=payload, signature_header=signature_header, secret=endpoint.secret)
    except gateway.WebhookEventInvalid as error:
        logger.warning("refused a Stripe webhook at %s: %s", endpoint.path, error)
        return WebhookAnswer(HTTPStatus.BAD_REQUEST, "not a Stripe event")
    except gateway.WebhookSignatureError as error:
        logger.warning("refused a Stripe webhook at %s: %s", endpoint.path, error)
        return WebhookAnswer(HTTPStatus.BAD_REQUEST, "invalid signature")
    _, created = stripe_event_receive(event=event)
    return WebhookAnswer(HTTPStatus.OK, "ok" if created else "duplicate")


class WebhookIntake:
    """WSGI middleware: a POST to one of the `ENDPOINTS` is answered here, every other request by `django_app`."""

    def __init__(self, django_app: WSGIApplication) -> None:
        self.django_app = django_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        endpoint = ENDPOINTS.get(environ.get("PATH_INFO", ""))
        if endpoint is None or environ.get("REQUEST_METHOD") != "POST":
            return self.django_app(environ, start_response)
        answer = self._answer(endpoint, environ)
        body = answer.text.encode()
        start_response(
            f"{answer.status.value} {answer.status.phrase}",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _answer(self, endpoint: Endpoint, environ: WSGIEnvironment) -> WebhookAnswer:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return WebhookAnswer(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return WebhookAnswer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "event too large")
        payload = environ["wsgi.input"].read(length) if length > 0 else b""
        # Django's signals around a request: its database connections are checked, dropped when broken or too
        # old, and kept otherwise (CONN_MAX_AGE), exactly as for the requests Django handles.
        request_started.send(sender=self.__class__, environ=environ)
        try:
            return webhook_answer(
                endpoint=endpoint, payload=payload, signature_header=environ.get("HTTP_STRIPE_SIGNATURE", "")
            )
        except Exception:  # not stored: Stripe delivers it again later
            logger.exception("storing a Stripe webhook failed")
            got_request_exception.send(sender=self.__class__, request=None)
            return WebhookAnswer(HTTPStatus.INTERNAL_SERVER_ERROR, "not stored, deliver again")
        finally:
            request_finished.send(sender=self.__class__)
