from __future__ import annotations

import re
from typing import cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from invoicedesk.core.errors import InvalidInput
from invoicedesk.core.models import MAX_ID

from .middleware import SESSION_ORGANIZATION_KEY
from .models import Language
from .selectors import membership_get
from .tenancy import AuthenticatedRequest

_ORGANIZATION_ID = re.compile(r"[0-9]{1,19}", re.ASCII)


class LoginView(auth_views.LoginView):
    """Django's sign-in; someone who has set up two-factor sign-in then enters a code from their app."""

    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        target = super().get_success_url()
        if user_has_device(self.request.user):
            # The page lives a floor up (backoffice.twofactor_views): named, not imported.
            return reverse("twofactor:verify") + "?" + urlencode({"next": target})
        return target


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


@require_POST
@login_required
def switch_organization(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("organization", "")
    if not _ORGANIZATION_ID.fullmatch(raw) or int(raw) > MAX_ID:
        # Not a value of the switch's own options ('²', '-1', 30 digits): the request was made by hand.
        raise InvalidInput(_("Choose an organization from the list."))
    user = cast(AuthenticatedRequest, request).user
    membership = membership_get(user=user, organization_id=int(raw))
    if membership is None:
        messages.error(request, _("You are not a member of that organization."))
        return redirect("backoffice:invoice_list")
    request.session[SESSION_ORGANIZATION_KEY] = membership.organization_id
    # Object ids differ between organizations: land on the list, not the old page.
    return redirect("backoffice:invoice_list")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Signed in, the choice is saved with the user; before signing in (the login page) a cookie keeps it."""
    language = request.POST.get("language", "")
    response = _back(request)
    if language in Language.values:
        if request.user.is_authenticated:
            user = cast(AuthenticatedRequest, request).user
            user.language = language
            user.save(update_fields=["language"])
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 24 * 3600)
    return response
