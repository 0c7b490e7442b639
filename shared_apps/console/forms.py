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
