from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Organization
from invoicedesk.core.errors import NotFound
from invoicedesk.documents.models import RefundDocument

from .delivery import BUYER_KINDS, DOCUMENT_OF, notification_email
from .models import Notification, NotificationKind


@dataclass(frozen=True)
class BuyerEmail:
    """A buyer's email as the Payment Transaction tab opens it."""

    notification: Notification
    subject: str
    from_email: str
    to: list[str]
    reply_to: list[str]
    text: str
    html: str
    # The PDFs it carries, as the attachments are made (the documents of the refund of the email's kind).
    attachments: list[RefundDocument]

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
    attached = DOCUMENT_OF.get(NotificationKind(notification.kind))
    documents = (
        list(RefundDocument.objects.filter(refund_id=notification.refund_id, kind=attached).defer("pdf"))
        if attached is not None and notification.refund_id is not None
        else []
    )
    html = next((str(content) for content, mimetype in email.alternatives if mimetype == "text/html"), "")
    return BuyerEmail(
        notification=notification,
        subject=_plain(email.subject),
        from_email=str(email.from_email),
        to=list(email.to),
        reply_to=list(email.reply_to),
        text=_plain(email.body),
        html=html,
        attachments=documents,
    )
