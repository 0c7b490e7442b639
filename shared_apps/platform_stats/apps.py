from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformStatsConfig(AppConfig):
    name = "shared_apps.platform_stats"
    label = "platform_stats"
    verbose_name = _("Platform at a glance")
