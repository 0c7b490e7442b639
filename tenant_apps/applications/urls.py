from django.urls import path

from tenant_apps.applications import views

app_name = "applications"
urlpatterns = [
    path("apply/", views.start, name="start"),
    path("apply/<uuid:public_id>/notices/", views.notices, name="notices"),
    path("apply/<uuid:public_id>/step/<int:index>/", views.step, name="step"),
    path("apply/<uuid:public_id>/uploads/", views.uploads, name="uploads"),
    path("apply/<uuid:public_id>/form.pdf", views.form_pdf, name="form-pdf"),
    path("apply/<uuid:public_id>/confirm/", views.confirm, name="confirm"),
    path("apply/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("member/level-change/", views.level_change, name="level-change"),
    path("review/", views.queue, name="queue"),
    path("review/<uuid:public_id>/", views.review, name="review"),
]
