from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    name = "statuspage.operators"
    label = "operators"
    verbose_name = _("Operator accounts")

    def ready(self) -> None:
        from django.contrib import admin

        from statuspage.operators import alerts, audit, signin

        alerts.connect()
        audit.register_audited_models()
        signin.require_two_factor(admin.site)
