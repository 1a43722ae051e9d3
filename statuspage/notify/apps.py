from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "statuspage.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from statuspage.notify import receivers
        from statuspage.status import signals

        signals.update_published.connect(receivers.on_update_published)
        signals.components_changed.connect(receivers.on_components_changed)
        signals.maintenance_reminder.connect(receivers.on_maintenance_reminder)
        signals.postmortem_published.connect(receivers.on_postmortem_published)
