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
from tenant_apps.accounts.selectors import (
    account_for_identifier,
    account_settings,
    password_login_offered,
    sms_login_offered,
)
from tenant_apps.accounts.services import (
    account_for_sms_login,
    account_signup,
    password_reset_by_sms,
)
from tenant_apps.configuration.entries import current_kind, join_entries

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def _is_association(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and tenant.schema_name != "public"


def verify_human_check(request, identifier: str = "") -> None:
    """The human check's answer in this post (huiji/humancheck.py), or AppError; wrong
    answers count against the client's address and the normalised identity the form names."""
    humancheck.verify(request.POST.get("hc_token", ""), request.POST.get("hc_position", ""),
                      request.POST.get("hc_trace", ""), ip=client_ip(request),
                      identity=throttle.identity(identifier) if identifier.strip() else None)


def _human_check_required(request, identifier: str, account) -> bool:
    if not _is_association(request):
        return throttle.needs_human_check(identifier, account, client_ip(request))
    return account_settings().human_check == "always" or (
        account_settings().human_check == "failed_logins"
        and throttle.needs_human_check(identifier, account, client_ip(request)))


class LoginView(auth_views.LoginView):
    """Password login for both sites: on an association's host it checks that association's
    accounts, on the base domain the platform's operators. Failures are counted by identity,
    account and address (tenant_apps.accounts.throttle): after a few the slider check is
    required, after many the account pauses for 15 minutes.

    A refused attempt (login not offered, paused, slider not solved) never checks the
    password, so a refusal cannot tell whether it was right."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def _refuse(self, message, status: int):
        form = self.get_form()
        form.refuse(message)
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def get(self, request, *args, **kwargs):
        # The page opens on the association's first way in (Jiangsu: 快捷登录 by SMS code);
        # the password tab links here with ?mode=password, and someone who has just set a
        # password (?activated=1, staff activation) logs in with it.
        modes = account_settings().login_modes if _is_association(request) else []
        if modes and modes[0] == "phone_sms" and request.GET.get("mode") != "password" \
                and "activated" not in request.GET:
            return redirect(reverse("sms-login") + (
                "?" + request.GET.urlencode() if request.GET else ""))
        return super().get(request, *args, **kwargs)

    def get_default_redirect_url(self):
        """Members (and applicants) land on the member centre; staff on the site's home,
        which leads to their work."""
        user = self.request.user
        if _is_association(self.request) and not user.is_association_staff:
            return reverse("members:home")
        return super().get_default_redirect_url()

    def post(self, request, *args, **kwargs):
        if not password_login_offered():
            return self._refuse(_("This association does not offer login with a password. "
                                  "Log in with an SMS code."), 403)
        identifier = request.POST.get("username", "")
        # The view instance belongs to this request alone (as_view makes one per request).
        self.account = account_for_identifier(identifier)
        if throttle.locked(identifier, self.account):
            return self._refuse(_("Too many failed attempts. Try again in 15 minutes."), 429)
        if _human_check_required(request, identifier, self.account) \
                or request.POST.get("hc_token"):
            try:
                verify_human_check(request, identifier)
            except AppError as exc:
                # As for a wrong password (Django's LoginView): the form again, with a new
                # puzzle to solve (or 429 when wrong answers paused the check).
                return self._refuse(exc.message, 200 if exc.status == 400 else exc.status)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        throttle.clear(self.request.POST.get("username", ""), form.get_user(),
                       client_ip(self.request))
        return super().form_valid(form)

    def form_invalid(self, form):
        identifier = self.request.POST.get("username", "")
        if identifier:
            throttle.record_failure(identifier, getattr(self, "account", None),
                                    client_ip(self.request))
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        identifier = self.request.POST.get("username", "")
        if _human_check_required(self.request, identifier, getattr(self, "account", None)):
            context["human_check"] = humancheck.challenge()
        if _is_association(self.request):
            context["first_login"] = bool(account_settings().first_login)
            context["sms_login"] = sms_login_offered()
            context["password_login"] = password_login_offered()
            context["sms_form"] = SmsLoginForm()
        else:
            context["password_login"] = True
        return context


class LogoutView(auth_views.LogoutView):
    pass


def signup(request):
    if not _is_association(request):
        return redirect("login")
    # CAQ: 企业入会 or 个人入会 (configuration/entries.py), carried on to the application
    entries = join_entries(request.POST.get("kind") or request.GET.get("kind"))
    kind = current_kind(entries)
    form = SignupForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            verify_human_check(request, data.get("phone") or data.get("email") or "")
            user = account_signup(
                name=data["name"], phone=data.get("phone"), email=data.get("email"),
                password=data.get("password1"), code=data.get("code") if form.needs_code
                else None, unit_name_login="name_password" in account_settings().login_modes)
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            auth_login(request, user, backend=BACKEND)
            messages.success(request, _("Your account is ready. Now fill in your application."))
            start = reverse("applications:start")
            return redirect(f"{start}?kind={kind}" if kind else start)
    return render(request, "accounts/signup.html", {
        "form": form, "human_check": humancheck.challenge(), "entries": entries,
        "kind": kind},
        status=400 if request.method == "POST" else 200)


def sms_login(request):
    """Log in with a phone and an SMS code, where the association offers it; only accounts
    that exist log in (a new person signs up first)."""
    if not sms_login_offered():
        form = SmsLoginForm()
        form.refuse(_("This association does not offer login by SMS code. Log in with your "
                      "password."))
        return render(request, "accounts/sms_login.html", {"form": form, "offered": False},
                      status=404 if not _is_association(request) else 403)
    form = SmsLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_for_sms_login(phone=form.cleaned_data["phone"],
                                         code=form.cleaned_data["code"])
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            return render(request, "accounts/sms_login.html",
                          {"form": form, "offered": True, "no_account": exc.code == "no_account"},
                          status=exc.status)
        auth_login(request, user, backend=BACKEND)
        return redirect("members:home")
    return render(request, "accounts/sms_login.html", {"form": form, "offered": True},
                  status=400 if request.method == "POST" else 200)


@require_POST
def send_code(request):
    """Send an SMS code (sign-up, SMS login, password reset). Answers JSON for the page's
    "get code" button; every refusal says why."""
    purpose = request.POST.get("purpose", "")
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
