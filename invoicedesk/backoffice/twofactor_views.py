"""Pages of two-factor sign-in: set it up (scan or type the secret, confirm a code, see the recovery codes once),
enter a code after the password, make new recovery codes. And the middleware that sends someone refused for want of
a second factor to the page where they pass it, coming back where they were.
"""

from __future__ import annotations

import io
from base64 import b32encode
from collections.abc import Callable
from typing import cast
from urllib.parse import urlencode, urlsplit

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from invoicedesk.accounts.second_factor import (
    has_second_factor,
    totp_device_pending,
    two_factor_enrol,
    two_factor_recovery_codes_renew,
    two_factor_verify,
)
from invoicedesk.accounts.tenancy import AuthenticatedRequest
from invoicedesk.accounts.twofactor import SecondFactorRequired, second_factor_required
from invoicedesk.core.errors import ErrorCode, Forbidden, ServiceError
from invoicedesk.core.http import client_ip, is_htmx, wants_json

CODES_SESSION_KEY = "two_factor_codes_once"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _user(request: HttpRequest) -> AuthenticatedRequest:
    return cast(AuthenticatedRequest, request)


def _is_verified(request: HttpRequest) -> bool:
    is_verified: Callable[[], bool] | None = getattr(request.user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return reverse("backoffice:invoice_list")
    return target


def _secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps ask for it when typed: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _qr_svg(uri: str) -> str:
    out = io.BytesIO()
    write_qrcode_image(uri, out)
    svg = out.getvalue().decode()
    # Inline in the page (no data: image for the CSP to allow); drop the XML declaration.
    return svg[svg.find("<svg") :]


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request).user
    codes = request.session.pop(CODES_SESSION_KEY, None) if request.method == "GET" else None
    if has_second_factor(user):
        response = render(
            request,
            "backoffice/two_factor_setup.html",
            {"enrolled": True, "recovery_codes": codes, "verified": _is_verified(request), "next": _next(request)},
        )
        if codes:
            response["Cache-Control"] = "no-store"
        return response
    device = totp_device_pending(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = two_factor_enrol(user=user, code=form.cleaned_data["code"], ip_address=client_ip(request))
        if enrolment is None:
            form.add_error("code", _("That code is not right. Check your phone's clock and enter the code now shown."))
        else:
            # This session has just passed the factor: the person goes on to what they were doing.
            request.session.cycle_key()
            django_otp.login(request, enrolment.device)
            request.session[CODES_SESSION_KEY] = enrolment.recovery_codes
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect(reverse("twofactor:setup") + "?" + urlencode({"next": _next(request)}))
    uri = device.config_url
    return render(
        request,
        "backoffice/two_factor_setup.html",
        {
            "enrolled": False,
            "form": form,
            "qr_svg": mark_safe(_qr_svg(uri)),  # noqa: S308 - made by qrcode from our own URI, no user text in markup
            "secret": _secret_text(device),
            "otpauth_uri": uri,
            "next": _next(request),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    user = _user(request).user
    target = _next(request)
    if not has_second_factor(user):
        return redirect(reverse("twofactor:setup") + "?" + urlencode({"next": target}))
    if _is_verified(request):
        return HttpResponseRedirect(target)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = two_factor_verify(user=user, code=form.cleaned_data["code"], ip_address=client_ip(request))
        except ServiceError as error:
            form.add_error("code", error.message)
        else:
            if result.device is not None:
                request.session.cycle_key()
                django_otp.login(request, result.device)
                return HttpResponseRedirect(target)
            if result.throttled:
                form.add_error("code", _("Too many wrong codes: wait a little and try again."))
            else:
                form.add_error("code", _("That code is not right."))
    return render(request, "backoffice/two_factor_verify.html", {"form": form, "next": target})


@require_POST
@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = two_factor_recovery_codes_renew(
            user=_user(request).user, session_verified=_is_verified(request), ip_address=client_ip(request)
        )
    except SecondFactorRequired:
        raise
    except Forbidden as error:
        if error.code is not ErrorCode.SECOND_FACTOR_REQUIRED:
            raise
        return redirect(reverse("twofactor:verify") + "?" + urlencode({"next": reverse("twofactor:setup")}))
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("twofactor:setup")
    request.session[CODES_SESSION_KEY] = codes
    messages.success(request, _("New recovery codes made: the old ones no longer work."))
    return redirect("twofactor:setup")


def _came_from(request: HttpRequest) -> str:
    """Where to return after the code: this page for a GET, the page the form was on for a POST."""
    if request.method == "GET" and not is_htmx(request):
        return request.get_full_path()
    referer = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=False):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "") or "/"
    return reverse("backoffice:invoice_list")


class SecondFactorRedirectMiddleware:
    """A page refused for want of a second factor sends the person to enter their code (or to set up the app, if
    they have none yet) and back. The API answers 403 `second_factor_required` instead (ServiceErrorMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SecondFactorRequired) or wants_json(request):
            return None
        if not request.user.is_authenticated:
            return None
        name = "twofactor:verify" if has_second_factor(_user(request).user) else "twofactor:setup"
        url = reverse(name) + "?" + urlencode({"next": _came_from(request)})
        messages.info(request, exception.message)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


def second_factor_prompt(request: HttpRequest) -> str | None:
    """For the page's banner: 'setup' or 'verify' when this person's organization asks them for a second factor
    and this session has not passed it yet; else None."""
    membership = getattr(request, "membership", None)
    if membership is None or not second_factor_required(membership) or membership.second_factor_verified:
        return None
    return "verify" if has_second_factor(_user(request).user) else "setup"
