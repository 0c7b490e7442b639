from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "shared_apps.operations"
    label = "operations"
    verbose_name = _("Platform operations")

    def ready(self):
        from shared_apps.operations import beat  # noqa: F401  (connects the beat recorders)
        from shared_apps.operations.metrics import register

        register()
