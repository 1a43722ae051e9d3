from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatusConfig(AppConfig):
    name = "statuspage.status"
    label = "status"
    verbose_name = _("Status")

    def ready(self) -> None:
        # Connects the receiver that keeps the daily uptime rows current, in every process
        # that loads the app (web, worker, beat, commands).
        from statuspage.status import uptime  # noqa: F401
