"""首次登录 pages: /first-login/ (what the association accepts: a mobile on file, the member's
name or number; a code goes to the contact on file) and /first-login/set/ (the code and a new
password; then the member centre)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login as auth_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huiji import humancheck
from huiji.clientip import client_ip
from huiji.errors import AppError
from tenant_apps.accounts.forms import PasswordRuleMixin
from tenant_apps.accounts.views import verify_human_check
from tenant_apps.imports.first_login import first_login_complete, first_login_send, ways

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def identifier_label(accepted: list[str]) -> str:
    """What the first field asks for, in the association's words."""
    names = {"phone": _("the mobile number on file"), "name": _("the unit's or your name"),
             "number": _("the member number")}
    parts = [names[w] for w in accepted if w in names]
    what = parts[-1] if len(parts) < 2 else \
        _(", ").join(parts[:-1]) + _(" or ") + parts[-1]
    return _("Enter %(what)s") % {"what": what}


class IdentifierForm(forms.Form):
    identifier = forms.CharField(max_length=150, error_messages={
        "required": gettext_lazy("This field is required.")})


class SetPasswordForm(PasswordRuleMixin, forms.Form):
    identifier = forms.CharField(max_length=150, widget=forms.HiddenInput)
    code = forms.CharField(label=gettext_lazy("Verification code"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))
    password1 = forms.CharField(label=gettext_lazy("New password"),
                                widget=forms.PasswordInput(attrs={
                                    "autocomplete": "new-password"}))
    password2 = forms.CharField(label=gettext_lazy("Confirm password"),
                                widget=forms.PasswordInput(attrs={
                                    "autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password:
            try:
                self.check_password_rule(password)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        if password and password != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


def _context(**extra) -> dict:
    accepted = ways()
    return {"offered": bool(accepted), "label": identifier_label(accepted) if accepted else "",
            "phone_only": accepted == ["phone"], **extra}


def first_login(request):
    """Step 1: who you are (as the association accepts it) -> a code to the contact on file."""
    if request.user.is_authenticated and not request.user.is_association_staff:
        return redirect("members:home")
    accepted = ways()
    if not accepted:
        return render(request, "imports/first_login.html", _context(), status=404)
    if request.method != "POST":
        return render(request, "imports/first_login.html", _context(
            human_check=humancheck.challenge()))
    form = IdentifierForm(request.POST)
    error = None
    if form.is_valid():
        identifier = form.cleaned_data["identifier"]
        try:
            verify_human_check(request, identifier)
            masked = first_login_send(identifier=identifier, ip=client_ip(request))
        except AppError as exc:
            error = exc
        else:
            return render(request, "imports/first_login_set.html", _context(
                form=SetPasswordForm(initial={"identifier": identifier}), masked=masked))
    else:
        error = AppError("required", form.errors["identifier"][0], field="identifier")
    return render(request, "imports/first_login.html", _context(
        error=error, identifier=request.POST.get("identifier", "")[:150],
        human_check=humancheck.challenge()), status=error.status)


@require_POST
def first_login_set(request):
    """Step 2: the code and a new password -> logged in, at the member centre."""
    if not ways():
        return render(request, "imports/first_login.html", _context(), status=404)
    form = SetPasswordForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            user = first_login_complete(identifier=form.cleaned_data["identifier"],
                                        code=form.cleaned_data["code"],
                                        password=form.cleaned_data["password1"])
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            auth_login(request, user, backend=BACKEND)
            from django.contrib import messages

            messages.success(request, _("Your password is set. Welcome!"))
            return redirect("members:home")
    return render(request, "imports/first_login_set.html", _context(form=form),
                  status=status)
