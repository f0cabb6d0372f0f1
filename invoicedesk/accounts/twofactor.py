"""The second factor's gate: where the organization asks for it, approvers and admins act only from a session that
passed it (django-otp's TOTP or a recovery code). The services that approve refunds, change settings or members and
make API keys call `require_second_factor`; enrolment and its audited writes are in accounts.second_factor, its
pages in backoffice.twofactor_views.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from invoicedesk.core.errors import ErrorCode, Forbidden

from .models import Membership, Role

SECOND_FACTOR_ROLES = frozenset({Role.APPROVER, Role.ADMIN})


class SecondFactorRequired(Forbidden):
    """The organization asks this person for a second factor and this session has not passed it."""

    default_code = ErrorCode.SECOND_FACTOR_REQUIRED


def second_factor_required(membership: Membership) -> bool:
    """Whether the membership's organization asks this person for a second factor."""
    return membership.organization.require_two_factor and membership.role_enum in SECOND_FACTOR_ROLES


def require_second_factor(actor: Membership) -> None:
    """Refuse an approver's or admin's action unless the session passed the second factor, where it is required.

    The flag is False unless the web request's middleware set it, so every other way of acting (an API key, a
    membership loaded afresh) is refused here when the organization requires the second factor.
    """
    if second_factor_required(actor) and not actor.second_factor_verified:
        raise SecondFactorRequired(
            _(
                "Your organization requires two-factor sign-in for approvers and admins: "
                "enter a code from your authenticator app first."
            )
        )
