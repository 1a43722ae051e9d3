from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "statuspage.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # Registers the API key scheme with drf-spectacular.
        from statuspage.api import schema  # noqa: F401
