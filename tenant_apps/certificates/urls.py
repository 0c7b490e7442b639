from django.urls import path

from tenant_apps.certificates import design_views, views

app_name = "certificates"

urlpatterns: list = [
    # the design of certificates and cards (design_views.py)
    path("manage/certificates/design/", design_views.design_edit, name="design"),
    path("manage/certificates/design/preview/", design_views.design_preview,
         name="design-preview"),
    path("manage/certificates/design/preview/<str:token>.png", design_views.design_preview_image,
         name="design-preview-image"),
    # issued certificates: the member's, the public verification, the staff's (views.py)
    path("member/certificates/", views.my_certificates, name="mine"),
    path("member/certificates/photo/", views.photo_upload, name="photo"),
    path("member/certificates/<str:number>/image.png", views.certificate_image, name="image"),
    path("member/certificates/<str:number>/certificate.pdf", views.certificate_pdf,
         name="pdf"),
    path("member/certificates/<str:number>/print/", views.certificate_print, name="print"),
    path("verify/", views.verify_search, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify-code"),
    path("manage/certificates/paper/", views.paper_queue, name="paper"),
    path("manage/certificates/paper/print/", views.paper_print, name="paper-print"),
    path("manage/certificates/paper/printed/", views.paper_mark_page, name="paper-printed-page"),
    path("manage/certificates/paper/<str:certificate_number>/printed/", views.paper_mark,
         {"action": "printed"}, name="paper-printed"),
    path("manage/certificates/paper/<str:certificate_number>/mailed/", views.paper_mark,
         {"action": "mailed"}, name="paper-mailed"),
    path("manage/certificates/<str:certificate_number>/certificate.pdf", views.staff_pdf,
         name="staff-pdf"),
    path("manage/members/<str:number>/certificates/<str:certificate_number>/reissue/",
         views.staff_action, {"action": "reissue"}, name="staff-reissue"),
    path("manage/members/<str:number>/certificates/<str:certificate_number>/revoke/",
         views.staff_action, {"action": "revoke"}, name="staff-revoke"),
]
