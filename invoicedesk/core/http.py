"""One place that turns a service's refusal into a response: a full page, an htmx partial, or JSON.

Views let `NotFound`, `Forbidden`, `InvalidInput` and `ServiceError` propagate; this
middleware answers them with 404, 403, 400 or 409 and the service's own message, in the
reader's language, styled, and never as Django's debug page. Another
organization's id raises the same `NotFound` as a missing one, so both get the
same page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import Forbidden, InvalidInput, NotFound, ServiceError
from .models import MAX_ID


def query_id(request: HttpRequest, name: str) -> int | None:
    """An id the page's own links put in the query string (`?before=123`): None when absent or empty. Anything
    else than ASCII digits within a bigint ('²', '-1', '1e3', 30 digits) is no link of ours: InvalidInput."""
    raw = request.GET.get(name, "")
    if not raw:
        return None
    # Length first: int() of thousands of digits is slow, and refused past 4300.
    if len(raw) > 19 or not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise InvalidInput(
            _("This address is not one the pages make: “%(name)s” must be a positive whole number.") % {"name": name}
        )
    return int(raw)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json")


def error_response(request: HttpRequest, *, status: int, message: str, code: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    context = {
        "status": status,
        "message": message,
        "title": _error_title(status),
        "back_url": request.headers.get("HX-Current-URL") or "/",
    }
    if is_htmx(request):
        return render(request, "errors/_error.html", context, status=status)
    return render(request, f"{status}.html" if status in (403, 404) else "errors/_page.html", context, status=status)


def _error_title(status: int) -> str:
    if status == 404:
        return _("Not found")
    if status == 403:
        return _("Not allowed")
    if status == 400:
        return _("Not understood")
    return _("Not possible")


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return error_response(request, status=404, message=exception.message, code=exception.code)
        if isinstance(exception, Forbidden):
            return error_response(request, status=403, message=exception.message, code=exception.code)
        if isinstance(exception, PermissionDenied):
            return error_response(
                request,
                status=403,
                message=str(exception) or _("You are not allowed to do this."),
                code="forbidden",
            )
        if isinstance(exception, InvalidInput):
            return error_response(request, status=400, message=exception.message, code=exception.code)
        if isinstance(exception, ServiceError):
            # A rule refused an action no form was there to show it next to.
            return error_response(request, status=409, message=exception.message, code=exception.code)
        return None
