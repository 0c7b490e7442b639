"""The parameters of the billing pages, parsed (see huiji.forms.parsed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class YearsForm(forms.Form):
    years = forms.IntegerField(min_value=1, error_messages={
        "required": _("Choose one of the offered numbers of years."),
        "invalid": _("Choose one of the offered numbers of years."),
        "min_value": _("Choose one of the offered numbers of years.")})


class InvoiceReissueForm(forms.Form):
    # Empty: a new request, not a re-issue.
    reissue_of = forms.IntegerField(required=False, min_value=1, error_messages={
        "invalid": _("The receipt to re-issue is not valid."),
        "min_value": _("The receipt to re-issue is not valid.")})


class StatementLineForm(forms.Form):
    line = forms.IntegerField(min_value=1, error_messages={
        "required": _("The statement line is not valid."),
        "invalid": _("The statement line is not valid."),
        "min_value": _("The statement line is not valid.")})
    order = forms.CharField(required=False, max_length=32, strip=True)
    dismiss = forms.CharField(required=False)  # "1": not a fee
    note = forms.CharField(required=False, max_length=300)


class VoucherForm(forms.Form):
    """What a payer writes beside the transfer voucher (the file itself comes separately)."""

    payer_name = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, max_length=300)
