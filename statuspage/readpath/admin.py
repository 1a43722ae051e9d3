from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from statuspage.readpath.models import PublishTarget


@admin.register(PublishTarget)
class PublishTargetAdmin(admin.ModelAdmin):
    """Read-only: the targets come from PUBLISH_TARGETS, their state from the publisher."""

    list_display = (
        "name",
        "published_version",
        "published_at",
        "failures",
        "last_error_at",
        "error",
    )
    readonly_fields = (
        "name",
        "published_version",
        "published_at",
        "failures",
        "last_error",
        "last_error_at",
        "retry_at",
    )

    @admin.display(description=_("last error"))
    def error(self, target: PublishTarget) -> str:
        return target.last_error[:200] if target.failures else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
