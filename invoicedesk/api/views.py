"""The signed-in user's API keys page: make a key (its secret is shown once) and revoke keys."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.tenancy import AuthenticatedRequest, tenant_view
from invoicedesk.core.errors import ServiceError
from invoicedesk.core.http import client_ip

from .forms import ApiKeyForm
from .keys import api_key_create, api_key_revoke, api_keys_of

NEW_SECRET_SESSION_KEY = "api_key_secret_once"


@require_http_methods(["GET", "POST"])
@tenant_view
def api_keys(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    # Shown on the page the creation redirects to, once: taken out of the session as it is read.
    new_secret = request.session.pop(NEW_SECRET_SESSION_KEY, None) if request.method == "GET" else None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_key_create(
                actor=membership,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_error("expires_on" if error.field == "expires_at" else error.field, error.message)
        else:
            # Post/redirect/get, so that reloading the page does not make another key.
            request.session[NEW_SECRET_SESSION_KEY] = created.secret
            return redirect("api_keys:list")
    user = cast(AuthenticatedRequest, request).user
    response = render(
        request,
        "api/api_keys.html",
        {"form": form, "keys": api_keys_of(user), "new_secret": new_secret, "membership": membership},
    )
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@tenant_view
def api_key_revoke_view(request: HttpRequest, membership: Membership, api_key_id: int) -> HttpResponse:
    user = cast(AuthenticatedRequest, request).user
    revoked = api_key_revoke(user=user, api_key_id=api_key_id, ip_address=client_ip(request))
    messages.success(request, _("The API key “%(name)s” was revoked.") % {"name": revoked.name})
    return redirect("api_keys:list")
