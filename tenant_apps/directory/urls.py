from django.urls import path

from tenant_apps.directory import views

app_name = "directory"
urlpatterns = [
    path("manage/members/", views.members, name="members"),
    path("manage/member-searches/", views.search_save, name="search-save"),
    path("manage/member-searches/<int:pk>/", views.saved_search, name="saved-search"),
    path("manage/member-searches/<int:pk>/delete/", views.search_delete,
         name="search-delete"),
]
