"""Documents issued to buyers, kept byte for byte: never changed after issue, corrected by a new document."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import Language, Organization
from invoicedesk.audit.models import ChainedRecord
from invoicedesk.core.models import ChoiceLabels
from invoicedesk.refunds.models import Refund


class DocumentKind(models.TextChoices):
    RETURN_INVOICE = "return_invoice", _("Qualified return invoice")
    CORRECTION = "correction", _("Corrected qualified return invoice")


class _PdfOnDemand(models.Manager["RefundDocument"]):
    """Lists need the number, kind and hash; a PDF's bytes are read only where they are used (download, email)."""

    def get_queryset(self) -> models.QuerySet[RefundDocument]:
        return super().get_queryset().defer("pdf")


class RefundDocument(ChoiceLabels, ChainedRecord):
    """An issued document, a link of its organization's document chain (documents.chain, verify_audit)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    number = models.CharField(_("document number"), max_length=32)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    language = models.CharField(max_length=2, choices=Language.choices)
    # [[rate, amount including tax, tax], …], highest rate first: what the document states per rate.
    amounts_by_rate = models.JSONField()
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField(default=timezone.now)
    # How long it must be kept (the Electronic Bookkeeping Act: 7 years, 10 with losses carried forward).
    keep_until = models.DateField()

    objects = _PdfOnDemand()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="document_number_unique_per_org"),
            models.UniqueConstraint(fields=["refund", "kind"], name="document_once_per_refund_and_kind"),
            models.CheckConstraint(
                condition=models.Q(kind="return_invoice", corrects__isnull=True)
                | models.Q(kind="correction", corrects__isnull=False),
                name="document_correction_names_what_it_corrects",
            ),
            models.CheckConstraint(condition=~models.Q(chain_hash=""), name="document_chained"),
        ]
        triggers = [pgtrigger.Protect(name="refund_document_unaltered", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.number} ({self.kind})"

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


class DocumentCounter(models.Model):
    """The last document number an organization issued (its return invoices and corrections share one series).

    Taken with `UPDATE … SET last = last + 1 … RETURNING` in the short transaction that inserts the document
    (documents.issuing): that locks this row only (FOR NO KEY UPDATE, until that commit), never the Organization row
    whose key every insert of the organization's refunds, audit entries and emails share-locks.
    """

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, primary_key=True, related_name="+")
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.last}"
