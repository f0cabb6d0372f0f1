from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Organization
from invoicedesk.core.errors import NotFound

from .delivery import BUYER_KINDS, notification_email
from .models import Notification


@dataclass(frozen=True)
class BuyerEmail:
    """A buyer's email as the Payment Transaction tab opens it."""

    notification: Notification
    subject: str
    to: list[str]
    reply_to: list[str]
    text: str
    html: str

    @property
    def sent_at(self) -> datetime | None:
        return self.notification.sent_at


def _plain(value: object) -> str:
    """The text as a plain str. Plain-text templates render with autoescape off into a SafeString, which a page
    would print unescaped (a buyer's company name with markup in it); str() keeps a SafeString as it is."""
    return str.__str__(str(value))


def buyer_email_get(*, organization: Organization, invoice_id: int, notification_id: int) -> BuyerEmail:
    """One buyer email about a refund of this invoice, within the organization (else NotFound)."""
    notification = (
        Notification.objects.filter(
            pk=notification_id,
            organization=organization,
            kind__in=BUYER_KINDS,
            refund__payment_link__invoice_id=invoice_id,
        )
        .select_related("refund")
        .first()
    )
    if notification is None:
        raise NotFound(_("No such email."))
    email = notification_email(notification)
    html = next((str(content) for content, mimetype in email.alternatives if mimetype == "text/html"), "")
    return BuyerEmail(
        notification=notification,
        subject=_plain(email.subject),
        to=list(email.to),
        reply_to=list(email.reply_to),
        text=_plain(email.body),
        html=html,
    )
