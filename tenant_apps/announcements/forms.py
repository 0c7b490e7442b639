from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenant_apps.announcements.models import Announcement


class AnnouncementForm(forms.Form):
    """The staff form's fields as typed; the service checks the codes and the scope."""

    title = forms.CharField(label=_("Title"), max_length=120, error_messages={
        "required": _("Give the announcement a title."),
        "max_length": _("The title may be at most 120 characters.")})
    body = forms.CharField(label=_("Text"), required=False)
    audience = forms.ChoiceField(label=_("Who may read it"), choices=Announcement.Audience.choices,
                                 error_messages={"invalid_choice": _("Choose from the list.")})
    member_types = forms.MultipleChoiceField(required=False)
    ranks = forms.MultipleChoiceField(required=False)
    branches = forms.MultipleChoiceField(required=False)
    pinned = forms.BooleanField(label=_("Pin to the top"), required=False)
    publish_at = forms.DateTimeField(
        label=_("Publish time"), required=False, input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={"invalid": _("Give the publish time as a date and a time.")})
    remove = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, choices: dict, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_types"].choices = choices["types"]
        self.fields["ranks"].choices = [(c, f"{t} · {n}") for c, t, n in choices["ranks"]]
        self.fields["branches"].choices = choices["branches"]
        self.fields["remove"].choices = [(str(a.file.public_id), a.file.original_name)
                                         for a in attachments]
        for name in ("member_types", "ranks", "branches", "remove"):
            self.fields[name].error_messages["invalid_choice"] = _("Choose from the list.")


class PushForm(forms.Form):
    channels = forms.MultipleChoiceField(
        choices=[("inbox", _("In-site message")), ("sms", _("SMS")), ("email", _("E-mail"))],
        error_messages={"required": _("Choose at least one way to send."),
                        "invalid_choice": _("Choose from the list.")})
