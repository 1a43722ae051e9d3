"""The audit log in the admin, append-only; and TOTP devices, each operator managing their own."""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from statuspage.lib.admin import ReadOnlyLog

admin.site.unregister(LogEntry)
admin.site.unregister(TOTPDevice)


@admin.register(LogEntry)
class AuditLogAdmin(ReadOnlyLog, LogEntryAdmin):
    """Readable and filterable by operators; nobody adds, changes or deletes an entry here,
    superusers included: a log its subjects can edit proves nothing."""

    list_filter = [
        ("actor", admin.RelatedOnlyFieldListFilter),
        ResourceTypeFilter,
        "action",
        "timestamp",
    ]


@admin.register(TOTPDevice)
class OwnTOTPDeviceAdmin(TOTPDeviceAdmin):
    """An operator adds a TOTP device for themselves and scans its QR code (the device's page
    links to it); they never see or touch another person's. Superusers manage everyone's, to
    enrol an operator before two-factor is required or to replace a lost phone."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        devices = super().get_queryset(request)
        return devices if request.user.is_superuser else devices.filter(user=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "user"]

    def save_model(self, request: HttpRequest, obj: TOTPDevice, form, change: bool) -> None:
        if not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)

    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(self.get_queryset(request), pk=pk)  # theirs, and a 404 for no device
        return super().config_view(request, pk)

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(self.get_queryset(request), pk=pk)
        return super().qrcode_view(request, pk)
