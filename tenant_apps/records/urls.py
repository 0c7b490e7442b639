from django.urls import path

from tenant_apps.records import change_views, views

app_name = "records"
urlpatterns = [
    path("member/profile/", views.profile, name="profile"),
    path("member/profile/<int:index>/save/", views.profile_save, name="save"),
    path("member/profile/contacts/", views.contact_new, name="contact-add"),
    path("member/contacts/", views.contacts_page, name="contacts"),
    path("member/profile/contacts/<int:pk>/", views.contact_edit, name="contact-edit"),
    path("member/profile/contacts/<int:pk>/remove/", views.contact_delete,
         name="contact-remove"),
    path("manage/members/<str:number>/", views.member_detail, name="member"),
    path("member/profile/change/", change_views.change, name="change"),
    path("member/branch/", change_views.branch_join, name="branch-join"),
    path("member/requests/", change_views.requests, name="requests"),
    path("member/requests/<uuid:public_id>/", change_views.request_detail, name="request"),
    path("member/requests/<uuid:public_id>/cancel/", change_views.request_cancel,
         name="request-cancel"),
    path("review/changes/", change_views.queue, name="change-queue"),
    path("review/changes/<uuid:public_id>/", change_views.review, name="change-review"),
    path("manage/members/<str:number>/edit/<int:index>/", views.member_edit,
         name="staff-edit"),
    path("manage/members/<str:number>/contacts/", views.staff_contact_new,
         name="staff-contact-add"),
    path("manage/members/<str:number>/contacts/<int:pk>/", views.staff_contact_edit,
         name="staff-contact-edit"),
    path("manage/members/<str:number>/contacts/<int:pk>/remove/", views.staff_contact_delete,
         name="staff-contact-remove"),
    path("manage/members/<str:number>/withdraw/", views.member_withdraw,
         name="staff-withdraw"),
]
