"""One place that turns a service's refusal into a response: a full page, an htmx partial, or JSON; and the one
place that says which address a request came from (`client_ip`).

Views let `NotFound`, `Forbidden`, `InvalidInput` and `ServiceError` propagate; this
middleware answers them with their `ErrorCode`'s status (404, 403, 422, 409…) and the service's own message, in
the reader's language, styled, and never as Django's debug page. Another
organization's id raises the same `NotFound` as a missing one, so both get the
same page.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from python_ipware.modern.parsers import IpAddressType, parse_ip, split_proxy_chain

from .errors import AppError, ErrorCode, InvalidInput
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


type Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxy_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES as networks; raises ValueError naming the first entry that is not an address or a CIDR.

    Host bits in a CIDR are refused rather than masked: "10.0.0.5/8" is more likely a typo than a wish to trust
    all of 10.0.0.0/8.
    """
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip()))
        except ValueError as error:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an IP address or a CIDR network ({error}).") from None
    return tuple(networks)


@cache
def _trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return trusted_proxy_networks(entries)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None


def _is_trusted(address: IpAddressType, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent the request: for sign-in lock-out (AXES_CLIENT_IP_CALLABLE), the API keys'
    addresses and every audit row.

    REMOTE_ADDR is the client unless it is one of settings.TRUSTED_PROXIES; only then is X-Forwarded-For read.
    Each proxy appends the address it received the request from, so the header is walked from its right end past
    the trusted proxies, and the first hop that is not one is the client; whatever lies to its left the client
    wrote itself and is ignored. python-ipware parses the header (IPv6, ports, RFC 7239 `for=`); tokens that are
    not addresses are skipped, since only the client can have written them (a proxy appends a real address).
    """
    peer = parse_ip(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    hops = split_proxy_chain(request.META.get("HTTP_X_FORWARDED_FOR"), strict=False) or []
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return str(hop)
    # Every hop is a proxy of ours (or there is no header): the farthest one is the best we know.
    return str(hops[0] if hops else peer)


def error_response(request: HttpRequest, *, message: str, code: ErrorCode) -> HttpResponse:
    status = code.status
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
    if status == ErrorCode.INVALID_REQUEST.status:
        return _("Not understood")
    return _("Not possible")


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionDenied):
            message = str(exception) or str(ErrorCode.FORBIDDEN.default_message)
            return error_response(request, message=message, code=ErrorCode.FORBIDDEN)
        if isinstance(exception, AppError):
            # NotFound, Forbidden, InvalidInput, or a rule that refused an action no form was there to show it next to.
            return error_response(request, message=exception.message, code=exception.code)
        return None
