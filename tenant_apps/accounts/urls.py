from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from tenant_apps.accounts import settings_views, staff_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("login/sms/", views.sms_login, name="sms-login"),
    path("accounts/code/", views.send_code, name="send-code"),
    path("password/reset/sms/", views.password_reset_sms, name="password-reset-sms"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset_email.html",
        email_template_name="accounts/password_reset_email.txt",
        success_url=reverse_lazy("password-reset-sent")), name="password-reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_sent.html"), name="password-reset-sent"),
    path("password/change/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        success_url=reverse_lazy("password-changed")), name="password-change"),
    path("password/changed/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_changed.html"), name="password-changed"),
    # 账户设置 in the member centre
    path("member/account/", settings_views.overview, name="account-settings"),
    path("member/account/phone/", settings_views.phone, name="account-phone"),
    path("member/account/password/", settings_views.password, name="account-password"),
    path("member/account/password/set/", settings_views.password_set,
         name="account-password-set"),
    path("member/account/code/", settings_views.send_code, name="account-code"),
    path("manage/staff/", staff_views.staff, name="staff"),
    path("manage/staff/invite/", staff_views.invite, name="staff-invite"),
    path("manage/staff/<uuid:public_id>/", staff_views.detail, name="staff-detail"),
    path("manage/staff/<uuid:public_id>/deactivate/", staff_views.set_active,
         {"active": False}, name="staff-deactivate"),
    path("manage/staff/<uuid:public_id>/reactivate/", staff_views.set_active,
         {"active": True}, name="staff-reactivate"),
    path("manage/staff/<uuid:public_id>/activation/", staff_views.resend,
         name="staff-resend"),
]
