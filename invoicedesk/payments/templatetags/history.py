from django import template

from invoicedesk.payments.history import render_message, render_status
from invoicedesk.payments.models import PaymentTransaction

register = template.Library()


@register.filter
def history_message(row: PaymentTransaction) -> str:
    """`{{ row|history_message }}`: the history row's message in the reader's language."""
    return render_message(row)


@register.filter
def history_status(row: PaymentTransaction) -> str:
    """`{{ row|history_status }}`: the history row's status label in the reader's language."""
    return render_status(row)
