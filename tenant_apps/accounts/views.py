"""Accounts on an association's site (and operator login on the platform's)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji import humancheck
from huiji.clientip import client_ip
from huiji.errors import AppError
from tenant_apps.accounts import throttle
from tenant_apps.accounts.codes import code_send
from tenant_apps.accounts.forms import LoginForm, SignupForm, SmsLoginForm, SmsResetForm
from tenant_apps.accounts.selectors import account_settings
from tenant_apps.accounts.services import (
    account_for_sms_login,
    account_signup,
    password_reset_by_sms,
)

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def _is_association(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.schema_name != "public"


def _human_check_required(request, identifier: str) -> bool:
    if not _is_association(request):
        return throttle.needs_human_check(identifier, client_ip(request))
    return account_settings().human_check == "always" or (
        account_settings().human_check == "failed_logins"
        and throttle.needs_human_check(identifier, client_ip(request)))


class LoginView(auth_views.LoginView):
    """Password login for both sites: on an association's host it checks that association's
    accounts, on the base domain the platform's operators. Failures are counted: after a few
    the slider check is required, after many the account pauses for 15 minutes."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        identifier = request.POST.get("username", "")
        ip = client_ip(request)
        if throttle.locked(identifier, ip):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Try again in 15 minutes."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if _human_check_required(request, identifier) or request.POST.get("hc_token"):
            try:
                humancheck.verify(request.POST.get("hc_token", ""),
                                  request.POST.get("hc_position", ""))
            except AppError as exc:
                form = self.get_form()
                form.is_valid()
                form.add_error(None, str(exc.message))
                return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        throttle.clear(form.cleaned_data["username"], client_ip(self.request))
        return super().form_valid(form)

    def form_invalid(self, form):
        identifier = self.request.POST.get("username", "")
        if identifier:
            throttle.record_failure(identifier, client_ip(self.request))
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        identifier = self.request.POST.get("username", "")
        if _human_check_required(self.request, identifier):
            context["human_check"] = humancheck.challenge()
        if _is_association(self.request):
            modes = account_settings().login_modes
            context["sms_login"] = "phone_sms" in modes
            context["password_login"] = bool(set(modes) - {"phone_sms"})
            context["sms_form"] = SmsLoginForm()
        else:
            context["password_login"] = True
        return context


class LogoutView(auth_views.LogoutView):
    pass


def signup(request):
    if not _is_association(request):
        return redirect("login")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            humancheck.verify(request.POST.get("hc_token", ""),
                              request.POST.get("hc_position", ""))
            user = account_signup(
                name=data["name"], phone=data.get("phone"), email=data.get("email"),
                password=data.get("password1"), code=data.get("code") if form.needs_code
                else None, unit_name_login="name_password" in account_settings().login_modes)
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            auth_login(request, user, backend=BACKEND)
            messages.success(request, _("Your account is ready. Now fill in your application."))
            return redirect("applications:start")
    return render(request, "accounts/signup.html", {
        "form": form, "human_check": humancheck.challenge()},
        status=400 if request.method == "POST" else 200)


def sms_login(request):
    form = SmsLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, created = account_for_sms_login(phone=form.cleaned_data["phone"],
                                                  code=form.cleaned_data["code"])
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            auth_login(request, user, backend=BACKEND)
            return redirect("applications:start" if created else "members:home")
    return render(request, "accounts/sms_login.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
def send_code(request):
    """Send an SMS code (sign-up, SMS login, password reset). Answers JSON for the page's
    "get code" button; every refusal says why."""
    purpose = request.POST.get("purpose", "")
    if purpose not in ("signup", "login", "reset"):
        return JsonResponse({"error": {"code": "bad_purpose", "message": _("Unknown.")}},
                            status=400)
    try:
        code_send(phone=request.POST.get("phone", ""), purpose=purpose, ip=client_ip(request))
    except AppError as exc:
        return JsonResponse({"error": exc.as_dict()}, status=exc.status)
    return JsonResponse({"sent": True, "resend_after": 60})


def password_reset_sms(request):
    form = SmsResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_by_sms(phone=form.cleaned_data["phone"],
                                  code=form.cleaned_data["code"],
                                  password=form.cleaned_data["password1"])
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Your password is changed. Please log in."))
            return redirect(reverse("login"))
    return render(request, "accounts/password_reset_sms.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
