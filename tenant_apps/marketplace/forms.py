"""The marketplace's forms: a post (choices from the association's settings), the browse
filters, 联系发布者, renewal and the staff's reason."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenant_apps.configuration.fieldtypes import FieldValueError, clean_phone
from tenant_apps.marketplace.config import MarketSettings
from tenant_apps.marketplace.models import Post


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=60)
    category = forms.ChoiceField(label=_("Category"))
    region = forms.ChoiceField(label=_("Region"))
    description = forms.CharField(label=_("Description"), max_length=3000,
                                  widget=forms.Textarea(attrs={"rows": 8}))
    valid_until = forms.DateField(label=_("Valid until"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    show_contact = forms.BooleanField(
        label=_("Members of the association may see my contact phone and e-mail"),
        required=False)
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, settings: MarketSettings, kinds: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        from tenant_apps.privacy.texts import wording

        # the consent's wording, the association's own where its profile gives one
        self.fields["show_contact"].label = wording("market_contact")
        labels = dict(Post.Kind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds if k in settings.kinds]
        if len(self.fields["kind"].choices) == 1:
            self.fields["kind"].widget = forms.HiddenInput()
        self.fields["category"].choices = [("", pgettext_lazy("choice", "Choose")),
                                           *settings.categories]
        self.fields["region"].choices = [("", pgettext_lazy("choice", "Choose")),
                                         *settings.regions]
        self.fields["valid_until"].widget.attrs["max"] = ""  # set by the view

    def clean_contact_phone(self):
        try:
            return clean_phone(self.cleaned_data["contact_phone"])
        except FieldValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class FilterForm(forms.Form):
    """The browse page's filters (GET): anything not offered is refused with a message."""

    kind = forms.ChoiceField(required=False)
    category = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    q = forms.CharField(required=False, max_length=50)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args, settings: MarketSettings, kinds: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Post.Kind.choices)
        self.fields["kind"].choices = [("", _("All")), *[(k, labels[k]) for k in kinds]]
        self.fields["category"].choices = [("", _("All categories")), *settings.categories]
        self.fields["region"].choices = [("", _("All regions")), *settings.regions]
        for name in ("kind", "category", "region"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose a value from the list.")
        self.fields["page"].error_messages["invalid"] = _("The page number is not valid.")


class ContactForm(forms.Form):
    message = forms.CharField(label=_("Your message"), max_length=500,
                              widget=forms.Textarea(attrs={"rows": 4}))
    token = forms.UUIDField(widget=forms.HiddenInput)


class RenewForm(forms.Form):
    valid_until = forms.DateField(label=_("New valid-until day"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


def new_token() -> str:
    return str(uuid.uuid4())
