from django import forms
from django.utils.translation import gettext_lazy as _

from tenant_apps.bulk.services import CHANNELS


class MessageForm(forms.Form):
    channels = forms.MultipleChoiceField(
        choices=[(c, c) for c in CHANNELS],
        error_messages={"required": _("Choose at least one way to send."),
                        "invalid_choice": _("Choose at least one way to send.")})
    subject = forms.CharField(max_length=200, required=False, strip=True)
    body = forms.CharField(max_length=2000, strip=True,
                           error_messages={"required": _("Write the message.")})


class BranchForm(forms.Form):
    branch = forms.SlugField(error_messages={"required": _("Choose a branch."),
                                             "invalid": _("Choose a branch.")})
    reason = forms.CharField(max_length=500, required=False, strip=True)
