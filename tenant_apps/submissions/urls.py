from django.urls import path

from tenant_apps.submissions import views

app_name = "submissions"
urlpatterns = [
    path("member/submissions/", views.mine, name="mine"),
    path("member/submissions/<uuid:public_id>/resubmit/", views.resubmit, name="resubmit"),
    path("manage/submissions/", views.review_list, name="list"),
    path("manage/submissions/<uuid:public_id>/", views.review, name="review"),
    path("news/", views.news, name="news"),
    path("news/<uuid:public_id>/", views.article, name="article"),
    path("news/<uuid:public_id>/document/", views.article_document, name="document"),
]
