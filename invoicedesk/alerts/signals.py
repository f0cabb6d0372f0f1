"""`alert_raised` is sent inside the transaction that raises a new alert (argument: alert); notifications emails
the organization's admins from it, without alerts importing notifications."""

from django.dispatch import Signal

alert_raised = Signal()
