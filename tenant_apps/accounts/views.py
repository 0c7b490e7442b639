from django.contrib.auth import views as auth_views

from tenant_apps.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    """Login for both sites: on an association's host it checks that association's accounts,
    on the base domain the platform's operators (the schema decides which table is read)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass
