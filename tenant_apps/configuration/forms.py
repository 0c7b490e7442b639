"""Staff forms for configuration. Field-level rules show beside the field; rules that span
the whole configuration are checked by `revision_record` and shown above the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from tenant_apps.accounts.models import Role, User
from tenant_apps.configuration.fieldtypes import OPTIONS, normalize_choices
from tenant_apps.configuration.models import (
    FEE_MAX_FEN,
    AssociationSettings,
    Branch,
    FieldType,
    FormField,
    FormStep,
    MemberType,
    MessageTemplate,
    Notice,
    PaymentAccount,
    Rank,
    ReferralChannel,
    ReviewStep,
    UploadKind,
    UploadRequirement,
)
from tenant_apps.configuration.profile import (
    CODE,
    LOGIN_MODES,
    PAYMENT_SECRETS,
    PAYMENT_SETTINGS,
    template_problems,
)
from tenant_apps.files.formats import FORMATS


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class YuanField(forms.CharField):
    """An amount typed in yuan (`50`, `3000.00`) and kept in fen."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            amount = Decimal(value.replace(",", "").replace("，", "").strip())
        except InvalidOperation as exc:
            raise forms.ValidationError(_("Enter an amount in yuan, e.g. 50 or 3000.00.")) \
                from exc
        if not amount.is_finite():
            raise forms.ValidationError(_("Enter an amount in yuan, e.g. 50 or 3000.00."))
        if amount * 100 > FEE_MAX_FEN:
            raise forms.ValidationError(_("At most %(yuan)s yuan.")
                                        % {"yuan": f"{FEE_MAX_FEN // 100:,}"})
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("Enter an amount of 0 or more, at most 2 decimals."))
        return int(amount * 100)


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", _("Lowercase letters, digits and _, e.g. senior."))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not CODE.match(value):
            raise forms.ValidationError(_("Use lowercase letters, digits and _, starting with "
                                          "a letter."))


class MemberTypeForm(forms.ModelForm):
    code = CodeField(label=_("code"))
    year_options = forms.CharField(
        label=_("years that may be bought at once"),
        help_text=_("Comma-separated, e.g. 1,2,3,4,5,10."))
    reminder_days = forms.CharField(
        label=_("reminders, days before the end"), required=False,
        help_text=_("Comma-separated, e.g. 30,7; empty: no reminder before the end."))

    class Meta:
        model = MemberType
        fields = ["code", "name", "name_en", "kind", "level", "eligibility", "review_required",
                  "electronic_certificate", "paper_certificate", "invoice", "validity_rule",
                  "validity_field", "next_year_from", "suspend_after_months", "lapse_after_months",
                  "lapse_at_end", "after_lapse", "renewal_opens_days", "reminder_days",
                  "remind_when_overdue", "remind_before_suspension_days",
                  "remind_before_lapse_days",
                  "number_prefix", "number_width", "number_suffix", "year_options",
                  "upgrade_pricing", "resume_after_rejection", "active"]
        widgets = {"eligibility": forms.Textarea(attrs={"rows": 4})}
        labels = {"name": _("member type name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["year_options"] = ",".join(map(str, self.instance.year_options))
        self.initial["reminder_days"] = ",".join(map(str, sorted(
            self.instance.reminder_days, reverse=True)))

    def clean_reminder_days(self):
        try:
            days = sorted({int(d) for d in self.cleaned_data["reminder_days"]
                           .replace("，", ",").split(",") if d.strip()}, reverse=True)
        except ValueError as exc:
            raise forms.ValidationError(_("Whole numbers separated by commas.")) from exc
        if days and (days[-1] < 1 or days[0] > 366):
            raise forms.ValidationError(_("Between 1 and 366 days."))
        return days

    def clean_next_year_from(self):
        import datetime as dt

        text = (self.cleaned_data.get("next_year_from") or "").strip()
        if not text:
            return ""
        try:
            month, day = (int(x) for x in text.split("-"))
            dt.date(2024, month, day)
        except ValueError as exc:
            raise forms.ValidationError(_("A day of the year as MM-DD, e.g. 12-01.")) from exc
        return f"{month:02d}-{day:02d}"

    def clean_year_options(self):
        try:
            years = sorted({int(y) for y in self.cleaned_data["year_options"]
                            .replace("，", ",").split(",") if y.strip()})
        except ValueError as exc:
            raise forms.ValidationError(_("Whole numbers separated by commas.")) from exc
        if not years or years[0] < 1 or years[-1] > 50:
            raise forms.ValidationError(_("Between 1 and 50 years."))
        return years

    def clean(self):
        data = super().clean()
        suspend, lapse = data.get("suspend_after_months"), data.get("lapse_after_months")
        if suspend and lapse and lapse < suspend:
            self.add_error("lapse_after_months",
                           _("Lapsing cannot come before the suspension."))
        if data.get("next_year_from") and data.get("validity_rule") != "calendar_year":
            self.add_error("next_year_from", _("Only for memberships by calendar year."))
        return data


class RankForm(forms.ModelForm):
    code = CodeField(label=_("code"))

    class Meta:
        model = Rank
        fields = ["code", "name"]
        labels = {"name": _("rank name")}


class FeeForm(forms.Form):
    rank = forms.ModelChoiceField(label=_("rank"), queryset=Rank.objects.none(),
                                  required=False, empty_label=_("(the type's own fee)"))
    amount = YuanField(label=_("yearly fee (yuan)"))
    effective_from = forms.DateField(label=_("effective from"),
                                     widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, member_type: MemberType, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_type = member_type
        ranks = member_type.ranks.all()
        self.fields["rank"].queryset = ranks
        self.fields["rank"].required = ranks.exists()
        if not ranks.exists():
            del self.fields["rank"]

    def clean(self):
        data = super().clean()
        rank = data.get("rank")
        when = data.get("effective_from")
        if when and self.member_type.fees.filter(rank=rank, effective_from=when).exists():
            self.add_error("effective_from", _(
                "A fee from this date already exists. Fee history is never rewritten: choose "
                "a later date."))
        return data


class FormStepForm(forms.ModelForm):
    class Meta:
        model = FormStep
        fields = ["purpose", "title"]


class FormFieldForm(forms.ModelForm):
    """A form field with its type-specific settings as plain inputs."""

    key = CodeField(label=_("key"))
    choices = forms.CharField(label=_("choices"), required=False, widget=forms.Textarea(
        attrs={"rows": 4}), help_text=_("One per line (single and multiple choice)."))
    choices_from = forms.ChoiceField(label=_("choices from"), required=False, choices=[
        ("", _("the list above")), ("branches", _("the branches"))])
    max_choices = forms.IntegerField(label=_("at most this many choices"), required=False,
                                     min_value=1, max_value=100)
    max_length = forms.IntegerField(label=_("maximum length"), required=False, min_value=1,
                                    max_value=20000)
    min_items = forms.IntegerField(label=_("at least this many entries"), required=False,
                                   min_value=0, max_value=50)
    max_items = forms.IntegerField(label=_("at most this many entries"), required=False,
                                   min_value=1, max_value=50)
    item_roles = forms.CharField(label=_("entry roles"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("One per line, e.g. 第一联络员."))
    sub_fields = forms.CharField(label=_("group fields (YAML)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 6}),
                                 help_text=_("For a repeating group: a YAML list of fields."))

    OPTION_FIELDS = ("choices", "choices_from", "max_choices", "max_length", "min_items",
                     "max_items", "item_roles", "sub_fields")

    class Meta:
        model = FormField
        fields = ["step", "key", "label", "type", "required", "help"]

    def __init__(self, *args, member_type: MemberType, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].queryset = FormStep.objects.filter(member_type=member_type)
        options = self.instance.options if self.instance.pk else {}
        self.initial.update({
            "choices": "\n".join(c["label"] if c["label"] == c["value"]
                                 else f"{c['value']}={c['label']}"
                                 for c in normalize_choices(options.get("choices", []))),
            "choices_from": options.get("choices_from", ""),
            "max_choices": options.get("max_choices"),
            "max_length": options.get("max_length"),
            "min_items": options.get("min_items"),
            "max_items": options.get("max_items"),
            "item_roles": "\n".join(options.get("item_roles", [])),
            "sub_fields": yaml.safe_dump(options["fields"], allow_unicode=True,
                                         sort_keys=False) if options.get("fields") else "",
        })

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        options: dict = {}
        if kind in (FieldType.CHOICE, FieldType.MULTICHOICE):
            if data.get("choices_from"):
                options["choices_from"] = data["choices_from"]
            else:
                choices = []
                for line in _lines(data.get("choices", "")):
                    value, _sep, label = line.partition("=")
                    choices.append({"value": value.strip(), "label": (label or value).strip()})
                if not choices:
                    self.add_error("choices", _("List the choices, one per line."))
                options["choices"] = choices
            if kind == FieldType.MULTICHOICE and data.get("max_choices"):
                options["max_choices"] = data["max_choices"]
        if kind in (FieldType.TEXT, FieldType.TEXTAREA, FieldType.RICHTEXT) \
                and data.get("max_length"):
            options["max_length"] = data["max_length"]
        if kind == FieldType.GROUP:
            options["min_items"] = data.get("min_items") or 0
            options["max_items"] = data.get("max_items") or 10
            options["item_roles"] = _lines(data.get("item_roles", ""))
            try:
                sub = yaml.safe_load(data.get("sub_fields") or "") or []
            except yaml.YAMLError:
                sub = None
            if not isinstance(sub, list) or not sub:
                self.add_error("sub_fields", _("Give the group's fields as a YAML list."))
            options["fields"] = sub or []
        # Settings this screen has no input for (a date's `future`, an image's formats, a
        # receipt marker, an exclusive choice) are kept as they were, not dropped.
        before = self.instance.options if self.instance.pk else {}
        for key, value in before.items():
            if key in OPTIONS.get(kind, ()) and key not in self.OPTION_FIELDS:
                options.setdefault(key, value)
        exclusive = {c["value"] for c in normalize_choices(before.get("choices", []))
                     if c.get("exclusive")}
        for choice in options.get("choices", []):
            if choice["value"] in exclusive:
                choice["exclusive"] = True
        self.cleaned_options = options
        return data

    def save(self, commit=True):
        self.instance.options = self.cleaned_options
        return super().save(commit)


class UploadForm(forms.ModelForm):
    key = CodeField(label=_("key"))
    kinds = forms.MultipleChoiceField(label=_("allowed kinds"), choices=UploadKind.choices,
                                      widget=forms.CheckboxSelectMultiple)
    formats = forms.MultipleChoiceField(
        label=_("accepted formats"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(f, f.upper()) for f in FORMATS],
        help_text=_("None ticked: the usual formats of the kinds (images: JPG, PNG)."))
    new_template = forms.FileField(label=_("blank template file"), required=False,
                                   help_text=_("PDF, Word or image, up to 5 MB."))

    class Meta:
        model = UploadRequirement
        fields = ["key", "label", "required", "kinds", "formats", "max_size_mb", "max_count",
                  "template", "help"]

    def clean_new_template(self):
        upload = self.cleaned_data.get("new_template")
        if upload and upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("A template may be at most 5 MB."))
        return upload

    def clean(self):
        data = super().clean()
        if data.get("template") == UploadRequirement.Template.BLANK \
                and not data.get("new_template") and not self.instance.template_file:
            self.add_error("new_template", _("A blank template needs its file."))
        stray = [f for f in data.get("formats") or []
                 if FORMATS[f][0] not in (data.get("kinds") or [])]
        if stray:
            self.add_error("formats", _("%(formats)s: not of the kinds ticked.")
                           % {"formats": ", ".join(f.upper() for f in stray)})
        return data

    def save(self, commit=True):
        upload = self.cleaned_data.get("new_template")
        if upload:
            self.instance.template_name = upload.name
            self.instance.template_file.save(upload.name, upload, save=False)
        if self.cleaned_data.get("template") != UploadRequirement.Template.BLANK:
            self.instance.template_name = ""
            self.instance.template_file = ""
        return super().save(commit)


class ReviewStepForm(forms.ModelForm):
    class Meta:
        model = ReviewStep
        fields = ["name", "role", "stage", "branch_routed"]
        labels = {"name": _("step name")}


class BranchForm(forms.ModelForm):
    code = CodeField(label=_("code"))
    admins = forms.ModelMultipleChoiceField(
        label=_("administrators"), required=False, queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Accounts with the branch administrator role."))

    class Meta:
        model = Branch
        fields = ["code", "name", "kind", "parent", "accepts_applications", "admins", "active"]
        labels = {"name": _("branch name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admins"].queryset = User.objects.filter(
            roles__contains=[Role.BRANCH_ADMIN]).order_by("name")
        parents = Branch.objects.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        node = parent
        while node is not None and self.instance.pk:
            if node.pk == self.instance.pk:
                raise forms.ValidationError(_("A branch cannot sit under its own sub-branch."))
            node = node.parent
        return parent


class ReferralChannelForm(forms.ModelForm):
    code = CodeField(label=_("code"))

    class Meta:
        model = ReferralChannel
        fields = ["code", "label", "kind", "help", "referrer_must_be_valid",
                  "referrer_level_at_least_applicant", "default_branch", "active"]


class NoticeForm(forms.ModelForm):
    """Publishing a notice always makes a new version; published versions never change."""

    class Meta:
        model = Notice
        fields = ["kind", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "recipients", "subject", "body", "provider_template",
                  "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def clean(self):
        data = super().clean()
        if data.get("event") and data.get("channel"):
            contacts = FormField.objects.filter(type="group", options__has_key="contacts") \
                .exists()
            for part, message in template_problems(
                    data["event"], data["channel"], data.get("recipients") or "applicant",
                    {"subject": data.get("subject") or "", "body": data.get("body") or ""},
                    contacts=contacts):
                self.add_error(part, message)
        if data.get("channel") == "email" and not data.get("subject"):
            self.add_error("subject", _("An email needs a subject."))
        return data


class SecretTextarea(forms.Textarea):
    """A textarea for a pasted key that never shows a value back, not even after an
    error."""

    def format_value(self, value):
        return None


class PaymentAccountForm(forms.ModelForm):
    """Public settings as inputs; each secret as a write-only input: left empty, the stored
    secret is kept; it is never shown back."""

    class Meta:
        model = PaymentAccount
        fields = ["kind", "display_name", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.instance.kind or self.data.get("kind") or PaymentAccount.Kind.BANK
        if self.instance.pk:
            self.fields["kind"].disabled = True
        for name in sorted(PAYMENT_SETTINGS.get(kind, ())):
            self.fields[f"setting_{name}"] = forms.CharField(
                label=SETTING_LABELS.get(name, name), required=False, max_length=200,
                initial=self.instance.settings.get(name, ""))
        for name in sorted(PAYMENT_SECRETS.get(kind, ())):
            stored = name in self.instance.secrets
            self.fields[f"secret_{name}"] = forms.CharField(
                label=SETTING_LABELS.get(name, name), required=False,
                widget=SecretTextarea(attrs={"rows": 3, "autocomplete": "off"}) if "key" in
                name and "v3" not in name else forms.PasswordInput(render_value=False),
                help_text=_("Stored (hidden). Leave empty to keep it.") if stored
                else _("Not set yet."))

    def clean(self):
        """A pasted key or APIv3 key that cannot work is refused here, with what is wrong
        with it, before anything is saved."""
        from huiji.payments.keys import secret_problem

        cleaned = super().clean()
        for field, value in list(cleaned.items()):
            if field.startswith("secret_") and value and value.strip():
                problem = secret_problem(field.removeprefix("secret_"), value)
                if problem:
                    self.add_error(field, problem)
        return cleaned

    def settings_values(self) -> dict:
        return {k.removeprefix("setting_"): v.strip() for k, v in self.cleaned_data.items()
                if k.startswith("setting_") and v and v.strip()}

    def secret_values(self) -> dict:
        return {k.removeprefix("secret_"): v for k, v in self.cleaned_data.items()
                if k.startswith("secret_") and v and v.strip()}


SETTING_LABELS = {
    "account_name": _("account name"), "bank_name": _("bank"),
    "account_number": _("account number"), "bank_branch": _("bank branch"),
    "merchant_id": _("merchant id (mchid)"), "app_id": _("app id"),
    "merchant_serial_no": _("merchant certificate serial number"),
    "platform_serial_no": _("platform certificate or public key id"),
    "notify_host": _("notification host"), "seller_id": _("seller id"),
    "gateway_url": _("gateway address (leave empty for the real one)"),
    "api_v3_key": _("APIv3 key"), "merchant_private_key": _("merchant private key (PEM)"),
    "platform_public_key": _("WeChat Pay public key (PEM)"),
    "app_secret": _("official account AppSecret (for paying inside WeChat)"),
    "app_private_key": _("app private key (PEM or base64)"),
    "alipay_public_key": _("Alipay public key (PEM or base64)"),
}


LOGIN_MODE_LABELS = {
    "phone_password": _("Mobile number and password"),
    "email_password": _("Email and password"),
    "phone_sms": _("Mobile number and SMS code (no password)"),
    "name_password": _("Unit name or member number and password"),
    "username_password": _("Username and password"),
}


class SiteContentForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        from tenant_apps.portal.models import SiteContent

        model = SiteContent
        fields = ["name_en", "tagline", "intro", "contact_phone", "contact_email", "address",
                  "website"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 6})}


SIGNUP_VERIFICATION_LABELS = {
    "sms": _("SMS code to the mobile number"),
    "email": _("Email"),
    "none": _("No verification"),
}
HUMAN_CHECK_LABELS = {
    "always": _("At every login"),
    "failed_logins": _("After failed logins"),
    "never": _("Never"),
}


class AccountSettingsForm(forms.ModelForm):
    login_modes = forms.MultipleChoiceField(
        label=_("ways to log in"), widget=forms.CheckboxSelectMultiple,
        choices=[(m, LOGIN_MODE_LABELS[m]) for m in sorted(LOGIN_MODES)])
    signup_verification = forms.ChoiceField(
        label=_("verification at sign-up"), choices=list(SIGNUP_VERIFICATION_LABELS.items()))
    human_check = forms.ChoiceField(
        label=_("slider check"), choices=list(HUMAN_CHECK_LABELS.items()))

    class Meta:
        model = AssociationSettings
        fields = ["login_modes", "signup_verification", "password_min_length",
                  "password_require_letter", "password_require_digit", "human_check",
                  "invoice_borrowing", "referral_required"]
        labels = {"password_min_length": _("minimum password length"),
                  "password_require_letter": _("password needs a letter"),
                  "password_require_digit": _("password needs a digit"),
                  "invoice_borrowing": _("fee receipts lent before payment")}

    def clean_login_modes(self):
        """Keep the association's order: the first way in is the one the login page opens
        on (accounts/views.py)."""
        chosen = self.cleaned_data["login_modes"]
        before = [m for m in (self.instance.login_modes or []) if m in chosen]
        return before + [m for m in chosen if m not in before]


class FeePreviewForm(forms.Form):
    on = forms.DateField(label=_("fees in force on"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))

    def date(self) -> dt.date | None:
        return self.cleaned_data.get("on") if self.is_valid() else None


class ProfileImportForm(forms.Form):
    file = forms.FileField(label=_("profile file (YAML)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("A profile file may be at most 20 MB."))
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file must be UTF-8 text (YAML).")) from exc
