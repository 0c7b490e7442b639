from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "tenant_apps.directory"
    label = "directory"
    verbose_name = "Member directory"
