from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorsConfig(AppConfig):
    name = "statuspage.monitors"
    label = "monitors"
    verbose_name = _("Monitors")
