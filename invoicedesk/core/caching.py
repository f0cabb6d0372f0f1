"""Pages are never kept by the browser: every page of the app shows money or what money did (a payment's status,
a Refundable Amount, held refunds), and a kept copy shown on Back says a state that is gone ("PAID, ¥330,000
refundable" after a refund)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` (Django's never_cache headers) on every HTML response: pages and their htmx parts.

    A middleware rather than a decorator on each view: a page added later is covered without anyone remembering,
    and so are the error pages (a 409 that names the Refundable Amount). It leaves alone what is not HTML (static
    files — in production WhiteNoise answers them before this middleware, `runserver` and the test server before
    any — CSV and PDF downloads, the API's JSON) and any response that says its own Cache-Control.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if response.get("Content-Type", "").partition(";")[0].strip().lower() == "text/html":
            add_never_cache_headers(response)
        return response
