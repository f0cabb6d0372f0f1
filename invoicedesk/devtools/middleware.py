"""While `make run` loads the demo data, pages say so instead of showing half of it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .demo import demo_loading_marker

# Stripe's webhooks and static files must get through: the demo data arrives by webhook.
PASS_THROUGH = ("/stripe/", "/static/", "/healthz")


class DemoLoadingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PASS_THROUGH) and demo_loading_marker().exists():
            response = render(request, "devtools/demo_loading.html", status=503)
            response["Retry-After"] = "2"
            return response
        return self.get_response(request)
