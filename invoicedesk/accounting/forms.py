from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from .exports import FORMAT_LABELS, ExportFormat
from .journal import Period
from .models import SETTINGS_FIELDS, AccountingSettings

# A fiscal year and a day: longer exports are split by the person who asks.
MAX_DAYS = 366


class ExportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(label=_("Format"), choices=[(f.value, label) for f, label in FORMAT_LABELS.items()])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                raise forms.ValidationError(_("The end of the range is before its start."))
            if end - start > timedelta(days=MAX_DAYS - 1):
                raise forms.ValidationError(_("Export at most %(days)s days at a time.") % {"days": MAX_DAYS})
        return data

    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])

    def export_format(self) -> ExportFormat:
        return ExportFormat(self.cleaned_data["format"])


class AccountingSettingsForm(forms.ModelForm[AccountingSettings]):
    class Meta:
        model = AccountingSettings
        fields = SETTINGS_FIELDS
