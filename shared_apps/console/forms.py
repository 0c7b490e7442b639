from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.databases import is_sharded, tenant_databases
from tenants.profiles import available_profiles, load_profile


def _profile_choices():
    return [("", _("Empty (configure later)"))] + [
        (key, load_profile(key)["association"]["name"]) for key in available_profiles()]


class AssociationCreateForm(forms.Form):
    name = forms.CharField(label=_("Association name"), max_length=200)
    slug = forms.SlugField(label=_("Short name (subdomain)"), max_length=40,
                           help_text=_("Lowercase letters, digits and hyphens, e.g. cmes."))
    profile = forms.ChoiceField(label=_("Starting profile"), required=False, choices=())
    extra_domain = forms.CharField(label=_("Custom domain (optional)"), max_length=253,
                                   required=False)
    admin_name = forms.CharField(label=_("First administrator's name"), max_length=100)
    admin_email = forms.EmailField(label=_("Administrator's email"), required=False)
    admin_phone = forms.CharField(label=_("Administrator's mobile"), max_length=20,
                                  required=False)
    # The account members transfer to (户名, 账号, 开户行): required when the starting
    # profile has fees and no way to pay of its own (the generic profile).
    bank_account_name = forms.CharField(label=_("Bank account name"), max_length=200,
                                        required=False,
                                        help_text=_("Needed when the profile has fees and "
                                                    "no payment account of its own."))
    bank_account_number = forms.CharField(label=_("Bank account number"), max_length=60,
                                          required=False)
    bank_bank_name = forms.CharField(label=_("Bank (开户行)"), max_length=200, required=False)
    # WeChat Pay and Alipay (optional): checked against the gateway before anything is
    # created (tenants/payment_check.py); the keys are stored encrypted, never shown back.
    wechat_merchant_id = forms.CharField(label=_("WeChat Pay merchant id (mchid)"),
                                         max_length=40, required=False)
    wechat_app_id = forms.CharField(label=_("WeChat Pay app id"), max_length=40, required=False)
    wechat_merchant_serial_no = forms.CharField(label=_("Merchant certificate serial number"),
                                                max_length=80, required=False)
    wechat_merchant_private_key = forms.CharField(
        label=_("Merchant private key (PEM)"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}))
    wechat_api_v3_key = forms.CharField(label=_("APIv3 key"), max_length=64, required=False,
                                        widget=forms.PasswordInput(attrs={
                                            "autocomplete": "off"}))
    wechat_platform_serial_no = forms.CharField(
        label=_("WeChat Pay platform certificate or public key id"), max_length=80,
        required=False)
    wechat_platform_public_key = forms.CharField(
        label=_("WeChat Pay public key (PEM)"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}))
    wechat_gateway_url = forms.CharField(
        label=_("WeChat Pay gateway address (leave empty for the real one)"), max_length=200,
        required=False)
    alipay_app_id = forms.CharField(label=_("Alipay app id"), max_length=40, required=False)
    alipay_app_private_key = forms.CharField(
        label=_("Alipay app private key (PEM)"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}))
    alipay_public_key = forms.CharField(label=_("Alipay public key (PEM)"), max_length=5000,
                                        required=False, widget=forms.Textarea(attrs={"rows": 3}))
    alipay_gateway_url = forms.CharField(
        label=_("Alipay gateway address (leave empty for the real one)"), max_length=200,
        required=False)

    # The page shows the fields in these groups (each a fieldset; the online ones folded).
    GROUPS = (
        ("", ("name", "slug", "profile", "extra_domain")),
        (_("First administrator"), ("admin_name", "admin_email", "admin_phone")),
        (_("Bank account members transfer to"), ("bank_account_name", "bank_account_number",
                                                  "bank_bank_name")),
        (_("WeChat Pay (optional)"), (
            "wechat_merchant_id", "wechat_app_id", "wechat_merchant_serial_no",
            "wechat_merchant_private_key", "wechat_api_v3_key", "wechat_platform_serial_no",
            "wechat_platform_public_key", "wechat_gateway_url")),
        (_("Alipay (optional)"), ("alipay_app_id", "alipay_app_private_key", "alipay_public_key",
                                  "alipay_gateway_url")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = _profile_choices()
        if is_sharded():
            # Associations on several databases (docs/operations.md): the operator may place
            # this one; by default it goes where there are fewest.
            self.fields["database"] = forms.ChoiceField(
                label=_("Database"), required=False,
                choices=[("", _("Automatic (the one with fewest associations)"))]
                + [(alias, alias) for alias in tenant_databases()])

    def groups(self):
        # The online accounts are folded unless one of their fields has an error.
        groups = [{"title": title, "folded": names[0].startswith(("wechat_", "alipay_")),
                   "has_errors": any(self[f].errors for f in names),
                   "fields": [self[f] for f in names]}
                  for title, names in self.GROUPS]
        if "database" in self.fields:  # only where associations live on several databases
            groups.append({"title": _("Database"), "folded": False,
                           "has_errors": bool(self["database"].errors),
                           "fields": [self["database"]]})
        return groups
