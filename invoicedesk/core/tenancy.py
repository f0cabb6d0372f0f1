"""Tenancy helpers: every view that touches seller data goes through these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from invoicedesk.accounts.models import Membership

P = ParamSpec("P")


def current_membership(request: HttpRequest) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        # Signed in but in no organization: nothing to show, nothing to touch.
        raise PermissionDenied("You are not a member of any organization.")
    return membership


def tenant_view(
    view: Callable[Concatenate[HttpRequest, Membership, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Require a signed-in member and pass their current membership to the view."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        return view(request, current_membership(request), *args, **kwargs)

    return wrapper


