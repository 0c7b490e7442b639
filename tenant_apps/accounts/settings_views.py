"""账户设置 in the member centre: the account's mobile number and password (services in
accounts/self_service.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.clientip import client_ip
from huiji.errors import AppError
from tenant_apps.accounts.codes import account_code_send
from tenant_apps.accounts.forms import (
    PasswordChangeByEmailForm,
    PasswordChangeByOldForm,
    PasswordSetForm,
    PhoneChangeForm,
)
from tenant_apps.accounts.self_service import (
    account_password_change,
    account_password_set,
    account_phone_change,
    mask_phone,
)


@login_required
def overview(request):
    user = request.user
    return render(request, "accounts/settings/overview.html", {
        "phone": mask_phone(user.phone), "has_password": user.has_usable_password()})


def _done(request, user, message):
    # The change ended every session of the account; this one goes on.
    update_session_auth_hash(request, user)
    messages.success(request, message)
    return redirect("account-settings")


def _refused(form, exc: AppError) -> int:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    return exc.status


@login_required
def phone(request):
    form = PhoneChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = account_phone_change(user=request.user, phone=form.cleaned_data["phone"],
                                            code=form.cleaned_data["code"])
            except AppError as exc:
                status = _refused(form, exc)
            else:
                return _done(request, user, _("Your mobile number is changed. Log in with the "
                                              "new number from now on."))
    return render(request, "accounts/settings/phone.html", {
        "form": form, "phone": mask_phone(request.user.phone)}, status=status)


@login_required
def password_set(request):
    if request.user.has_usable_password():
        return redirect("account-password")
    form = PasswordSetForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = account_password_set(user=request.user, code=form.cleaned_data["code"],
                                            password=form.cleaned_data["password1"])
            except AppError as exc:
                status = _refused(form, exc)
            else:
                return _done(request, user, _("Your password is set. You can now log in with "
                                              "your mobile number and password."))
    return render(request, "accounts/settings/password_set.html", {
        "form": form, "phone": mask_phone(request.user.phone)}, status=status)


@login_required
def password(request):
    user = request.user
    if not user.has_usable_password():
        return redirect("account-password-set")
    by_email = request.GET.get("by") == "email" and bool(user.email)
    form_class = PasswordChangeByEmailForm if by_email else PasswordChangeByOldForm
    form = form_class(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = account_password_change(
                    user=user, password=data["password1"],
                    old_password=None if by_email else data["old_password"],
                    code=data.get("code"), ip=client_ip(request))
            except AppError as exc:
                status = _refused(form, exc)
            else:
                return _done(request, user, _("Your password is changed."))
    return render(request, "accounts/settings/password.html", {
        "form": form, "by_email": by_email, "email": user.email}, status=status)


@login_required
@require_POST
def send_code(request):
    """The "get code" buttons of these pages (JSON): to the new number, to the account's own
    phone, or to its e-mail."""
    try:
        account_code_send(user=request.user, purpose=request.POST.get("purpose", ""),
                          phone=request.POST.get("phone"), ip=client_ip(request))
    except AppError as exc:
        return JsonResponse({"error": exc.as_dict()}, status=exc.status)
    return JsonResponse({"sent": True, "resend_after": 60})
