from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from tenant_apps.accounts.selectors import account_settings

IDENTIFIER_LABELS = {
    "phone_password": _("mobile number"), "email_password": _("email"),
    "name_password": _("unit name or member number"), "username_password": _("username"),
}


def identifier_label(modes: list[str]) -> str:
    labels = [str(IDENTIFIER_LABELS[m]) for m in modes if m in IDENTIFIER_LABELS]
    return " / ".join(labels) or str(_("Phone, email or username"))


class RefusalMixin:
    def refuse(self, message) -> None:
        """Show `message` without validating: a login refused before anything is checked
        (not offered, paused, slider unsolved) must not check the password either, or the
        refusal page would tell a right password from a wrong one."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error(None, message)


class LoginForm(RefusalMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Phone, email or username"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The account or password is incorrect."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.schema_name != "public":
            self.fields["username"].label = identifier_label(account_settings().login_modes)


class PasswordRuleMixin:
    def check_password_rule(self, password: str, **person) -> None:
        """The one rule (accounts/passwords.py), for the person these details describe."""
        from tenant_apps.accounts.models import User
        from tenant_apps.accounts.passwords import password_problems
        from tenant_apps.accounts.services import normalize_email, normalize_phone

        candidate = User(name=person.get("name") or "",
                         phone=normalize_phone(person.get("phone") or "") or None,
                         email=normalize_email(person.get("email") or "") or None)
        problems = password_problems(password, person.get("user") or candidate)
        if problems:
            raise forms.ValidationError(problems)


class SignupForm(PasswordRuleMixin, forms.Form):
    """Sign-up with the association's modes: which fields appear depends on its settings."""

    name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "tel"}))
    code = forms.CharField(label=_("SMS code"), max_length=6, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))
    email = forms.EmailField(label=_("Email"), required=False)
    password1 = forms.CharField(label=_("Password"), required=False,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))
    password2 = forms.CharField(label=_("Confirm password"), required=False,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        rule = account_settings()
        modes = set(rule.login_modes)
        # Where SMS login is offered, sign-up asks for no password (Jiangsu: "请输入手机号码
        # 进行会员注册"): the member logs in by SMS and may set one later in 账户设置.
        self.needs_password = bool(modes - {"phone_sms"}) and "phone_sms" not in modes
        self.needs_phone = bool(modes & {"phone_password", "phone_sms"}) \
            or rule.signup_verification == "sms"
        self.needs_code = rule.signup_verification == "sms"
        # Without a phone, the email is how notices and password resets reach the person.
        self.needs_email = "email_password" in modes or rule.signup_verification == "email" \
            or not self.needs_phone
        if "name_password" in modes:
            # the name is the login: a unit's full name, or (个人入会) the person's
            self.fields["name"].label = _("Your full name") if kind == "individual" \
                else _("Full name of the unit")
        for field, needed in (("phone", self.needs_phone), ("code", self.needs_code),
                              ("email", self.needs_email), ("password1", self.needs_password),
                              ("password2", self.needs_password)):
            if needed:
                self.fields[field].required = True
            else:
                del self.fields[field]

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if self.needs_password and password:
            try:
                self.check_password_rule(password, name=data.get("name"),
                                         phone=data.get("phone"), email=data.get("email"))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
            if password != data.get("password2"):
                self.add_error("password2", _("The two passwords differ."))
        return data


class SmsLoginForm(RefusalMixin, forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    code = forms.CharField(label=_("SMS code"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))


class SmsResetForm(PasswordRuleMixin, forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    code = forms.CharField(label=_("SMS code"), max_length=6)
    password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Confirm password"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password:
            try:
                self.check_password_rule(password, phone=data.get("phone"))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        if password and password != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


# --- staff (HQ administrators) ---------------------------------------------------------------

def _staff_role_choices():
    from tenant_apps.accounts.capabilities import STAFF_ROLES
    from tenant_apps.accounts.models import Role

    return [(r, Role(r).label) for r in STAFF_ROLES]


def has_branches() -> bool:
    """Whether the association has a branch besides headquarters (staff roles by branch)."""
    return _appointable_branches().exists()


def _appointable_branches():
    from tenant_apps.configuration.models import Branch

    return Branch.objects.filter(active=True).exclude(kind=Branch.Kind.HQ)


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("roles"), choices=_staff_role_choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("What each role may do is listed below the staff list."))
    branches = forms.ModelMultipleChoiceField(
        label=_("branches administered"), required=False, queryset=None,
        to_field_name="code", widget=forms.CheckboxSelectMultiple,
        help_text=_("Branch administrators only: they review and see the applications of "
                    "these branches."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branches"].queryset = _appointable_branches()
        if not has_branches():
            # no branch to administer (Jiangsu): no 分会管理员 to appoint, unless held already
            from tenant_apps.accounts.models import Role

            del self.fields["branches"]
            if Role.BRANCH_ADMIN not in (self.initial.get("roles") or []):
                self.fields["roles"].choices = [
                    c for c in self.fields["roles"].choices if c[0] != Role.BRANCH_ADMIN]


class StaffInviteForm(StaffRolesForm):
    name = forms.CharField(label=_("name"), max_length=100)
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "off"}))
    email = forms.EmailField(label=_("email"), required=False)

    field_order = ["name", "phone", "email", "roles", "branches"]

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or data.get("email")):
            self.add_error("phone", _("Give a mobile number or an email address: the "
                                      "activation link is sent there."))
        return data


# --- 账户设置 (the member's own account) --------------------------------------------------------

def _new_password_fields():
    return (
        forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password"})),
        forms.CharField(label=_("Confirm password"), strip=False, widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password"})),
    )


class _NewPasswordForm(PasswordRuleMixin, forms.Form):
    """A new password for `user`, twice, by the one rule (accounts/passwords.py)."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"], self.fields["password2"] = _new_password_fields()
        from tenant_apps.accounts.passwords import password_help

        self.fields["password1"].help_text = password_help()

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password:
            try:
                self.check_password_rule(password, user=self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
            if password != data.get("password2"):
                self.add_error("password2", _("The two passwords differ."))
        return data


def _code_field():
    return forms.CharField(label=_("SMS code"), max_length=6, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class PhoneChangeForm(forms.Form):
    phone = forms.CharField(label=_("New mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "tel"}))
    code = _code_field()


class PasswordSetForm(_NewPasswordForm):
    code = _code_field()


class PasswordChangeByOldForm(_NewPasswordForm):
    old_password = forms.CharField(label=_("Current password"), strip=False,
                                   widget=forms.PasswordInput(
                                       attrs={"autocomplete": "current-password"}))


class PasswordChangeByEmailForm(_NewPasswordForm):
    code = forms.CharField(label=_("Email code"), max_length=6, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
