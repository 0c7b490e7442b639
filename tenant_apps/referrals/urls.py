from django.urls import path

from tenant_apps.referrals import views

app_name = "referrals"
urlpatterns = [
    path("r/<str:code>/", views.landing, name="landing"),
    path("member/referral-code/", views.member_code_page, name="code"),
    path("member/referral-code/qr.png", views.member_qr, name="qr"),
    path("member/referral-code/poster.png", views.member_poster, name="poster"),
    path("member/referral-code/card/", views.member_card, name="card"),
    path("member/referrals/", views.mine, name="mine"),
    path("manage/referrals/", views.report, name="report"),
    path("manage/referrals/code/", views.branch_code_page, name="branch-code"),
    path("manage/referrals/code/<slug:branch>/qr.png", views.branch_qr, name="branch-qr"),
    path("manage/referrals/code/<slug:branch>/poster.png", views.branch_poster,
         name="branch-poster"),
    path("manage/referrals/code/<slug:branch>/card/", views.branch_card, name="branch-card"),
]
