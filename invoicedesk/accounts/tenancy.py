"""Tenancy helpers: every view that touches seller data goes through these."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Concatenate

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from invoicedesk.core.errors import Forbidden

from .models import Membership, User


class AuthenticatedRequest(HttpRequest):
    """What a view behind login_required receives."""

    user: User


def current_membership(request: HttpRequest) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        # Signed in but in no organization: nothing to show, nothing to touch.
        raise Forbidden(_("You are not a member of any organization."))
    return membership


def tenant_view[**P](
    view: Callable[Concatenate[HttpRequest, Membership, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Require a signed-in member and pass their current membership to the view."""

    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        return view(request, current_membership(request), *args, **kwargs)

    update_wrapper(wrapper, view)
    return login_required(wrapper)
