"""An association's subdomain: its site, its member centre and staff console, its API."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from huiji.urls_common import urlpatterns as common
from tenant_apps.accounts import apis as account_apis
from tenant_apps.accounts import settings_apis
from tenant_apps.applications import apis as application_apis
from tenant_apps.billing import apis as billing_apis
from tenant_apps.billing import views as billing_views
from tenant_apps.configuration import apis as config_apis
from tenant_apps.directory import apis as directory_apis
from tenant_apps.imports.urls import first_login_urls
from tenant_apps.memberships import apis as membership_apis
from tenant_apps.notifications import apis as inbox_apis
from tenant_apps.portal import views as portal_views
from tenant_apps.records import apis as record_apis

api = [
    path("me/", account_apis.MeApi.as_view(), name="me"),
    path("accounts/csrf/", account_apis.AccountCsrfApi.as_view(), name="account-csrf"),
    path("accounts/code/", account_apis.AccountCodeApi.as_view(), name="account-code"),
    path("accounts/human-check/", account_apis.AccountHumanCheckApi.as_view(),
         name="account-human-check"),
    path("accounts/signup/", account_apis.AccountSignupApi.as_view(), name="account-signup"),
    # 账户设置 of the signed-in account
    path("account/", settings_apis.AccountSettingsApi.as_view(), name="account-settings"),
    path("account/code/", settings_apis.AccountSettingsCodeApi.as_view(),
         name="account-settings-code"),
    path("account/phone/", settings_apis.AccountPhoneApi.as_view(), name="account-phone"),
    path("account/password/", settings_apis.AccountPasswordApi.as_view(),
         name="account-password"),
    path("account/password/set/", settings_apis.AccountPasswordSetApi.as_view(),
         name="account-password-set"),
    path("users/<uuid:public_id>/", account_apis.UserDetailApi.as_view(), name="user-detail"),
    path("staff/", account_apis.StaffListApi.as_view(), name="staff-list"),
    path("staff/invite/", account_apis.StaffInviteApi.as_view(), name="staff-invite"),
    path("staff/<uuid:public_id>/", account_apis.StaffDetailApi.as_view(), name="staff-detail"),
    path("staff/<uuid:public_id>/roles/", account_apis.StaffUpdateApi.as_view(),
         name="staff-update"),
    path("staff/<uuid:public_id>/deactivate/", account_apis.StaffDeactivateApi.as_view(),
         name="staff-deactivate"),
    path("staff/<uuid:public_id>/reactivate/", account_apis.StaffReactivateApi.as_view(),
         name="staff-reactivate"),
    path("staff/<uuid:public_id>/activation/", account_apis.StaffActivationResendApi.as_view(),
         name="staff-activation"),
    path("join/", config_apis.JoinInfoApi.as_view(), name="join-info"),
    path("config/profile/", config_apis.ProfileApi.as_view(), name="config-profile"),
    path("config/member-types/<slug:code>/fees/", config_apis.FeeCreateApi.as_view(),
         name="config-fee-add"),
    path("applications/", application_apis.ApplicationStartApi.as_view(),
         name="application-start"),
    path("applications/current/", application_apis.ApplicationCurrentApi.as_view(),
         name="application-current"),
    path("applications/<uuid:public_id>/steps/<int:index>/",
         application_apis.ApplicationStepApi.as_view(), name="application-step"),
    path("applications/<uuid:public_id>/notices/",
         application_apis.ApplicationNoticesApi.as_view(), name="application-notices"),
    path("applications/<uuid:public_id>/uploads/",
         application_apis.ApplicationUploadApi.as_view(), name="application-uploads"),
    path("applications/<uuid:public_id>/images/",
         application_apis.ApplicationImageApi.as_view(), name="application-images"),
    path("applications/<uuid:public_id>/uploads/<int:upload_id>/",
         application_apis.ApplicationUploadDeleteApi.as_view(), name="application-upload"),
    path("applications/<uuid:public_id>/submit/",
         application_apis.ApplicationSubmitApi.as_view(), name="application-submit"),
    path("applications/<uuid:public_id>/timeline/",
         application_apis.ApplicationTimelineApi.as_view(), name="application-timeline"),
    path("review/", application_apis.ReviewQueueApi.as_view(), name="review-queue"),
    path("review/<uuid:public_id>/", application_apis.ReviewDecisionApi.as_view(),
         name="review-decision"),
    path("orders/", billing_apis.OrderListApi.as_view(), name="orders"),
    path("orders/<str:number>/", billing_apis.OrderDetailApi.as_view(), name="order"),
    path("orders/<str:number>/pay/", billing_apis.OrderPayApi.as_view(), name="order-pay"),
    path("orders/<str:number>/voucher/", billing_apis.OrderVoucherApi.as_view(),
         name="order-voucher"),
    path("orders/<str:number>/invoice/", billing_apis.OrderInvoiceApi.as_view(),
         name="order-invoice"),
    path("finance/vouchers/<int:pk>/", billing_apis.FinanceVoucherDecisionApi.as_view(),
         name="finance-voucher"),
    path("finance/invoices/<int:pk>/", billing_apis.FinanceInvoiceIssueApi.as_view(),
         name="finance-invoice"),
    path("memberships/<str:number>/history/", membership_apis.MembershipHistoryApi.as_view(),
         name="membership-history"),
    path("memberships/<str:number>/withdraw/", membership_apis.MembershipWithdrawApi.as_view(),
         name="membership-withdraw"),
    path("member/record/", record_apis.MemberRecordApi.as_view(), name="member-record"),
    path("member/contacts/", record_apis.ContactListApi.as_view(), name="member-contacts"),
    path("member/contacts/<int:pk>/", record_apis.ContactDetailApi.as_view(),
         name="member-contact"),
    path("member/change-requests/", record_apis.MemberChangeRequestsApi.as_view(),
         name="member-change-requests"),
    path("change-requests/<uuid:public_id>/", record_apis.StaffChangeRequestApi.as_view(),
         name="staff-change-request"),
    path("members/", directory_apis.MemberSearchApi.as_view(), name="member-search"),
    path("members/<str:number>/", record_apis.StaffMemberRecordApi.as_view(),
         name="staff-member-record"),
    path("messages/", inbox_apis.InboxApi.as_view(), name="inbox"),
    path("messages/<int:pk>/", inbox_apis.InboxMessageApi.as_view(), name="inbox-message"),
]

urlpatterns = [
    *common,
    # Gateways' payment notifications, near the top: they come in bursts, and resolving a
    # path costs more with every pattern tried before it (a sixth of a notification's time
    # when it sat with billing's other pages at the end).
    path("payments/notify/<str:method>/", billing_views.notify, name="payment-notify"),
    path("", portal_views.home, name="home"),
    path("", include("tenant_apps.accounts.urls")),
    # One-time links: the first administrator's activation and password resets.
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_set.html", post_reset_login=False,
        success_url="/login/?activated=1"), name="password_reset_confirm"),
    path("files/", include("tenant_apps.files.urls")),
    path("", include("tenant_apps.configuration.urls")),
    path("", include("tenant_apps.applications.urls")),
    path("", include("tenant_apps.memberships.urls")),
    # Before records: /manage/members/message/ and /manage/members/export/ are not numbers.
    path("", include("tenant_apps.bulk.urls")),
    path("", include("tenant_apps.dashboards.urls")),
    path("", include("tenant_apps.referrals.urls")),
    path("", include("tenant_apps.certificates.urls")),
    path("", include("tenant_apps.roster.urls")),
    path("", include("tenant_apps.marketplace.urls")),
    path("", include("tenant_apps.announcements.urls")),
    path("", include("tenant_apps.submissions.urls")),
    path("", include("tenant_apps.council_forms.urls")),
    path("", include("tenant_apps.privacy.urls")),
    path("", include("tenant_apps.directory.urls")),
    path("", include("tenant_apps.records.urls")),
    path("", include("tenant_apps.imports.urls")),
    *first_login_urls,
    path("", include("tenant_apps.billing.urls")),
    path("", include("tenant_apps.notifications.urls")),
    path("api/v1/", include((api, "api"))),
]
