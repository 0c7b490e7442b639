from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilFormsConfig(AppConfig):
    name = "tenant_apps.council_forms"
    label = "council_forms"
    verbose_name = _("Council members' forms")
