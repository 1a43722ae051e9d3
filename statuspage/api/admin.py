"""API keys in the operator's console: made here, shown once, revoked by deleting them."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from statuspage.api.models import ApiKey, Scope


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=Scope.choices,
        initial=[Scope.READ, Scope.WRITE],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Read allows GET requests; write allows changes."),
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "scope_list", "created_by", "created_at", "last_used_at"]
    search_fields = ["name", "prefix"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown_once: dict[int, str] = {}

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None):
        return ["prefix", "created_by", "created_at", "last_used_at"] if obj else []

    @admin.display(description=_("scopes"))
    def scope_list(self, api_key: ApiKey) -> str:
        return ", ".join(str(Scope(s).label) for s in api_key.scopes if s in Scope.values)

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        key = ""
        if not change:
            obj.created_by = cast(User, request.user)  # the admin serves signed-in staff only
            key = obj.assign_key()
        obj.save()
        if key:  # kept in memory only until response_add shows it; never stored in plain
            self._shown_once[obj.pk] = key

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue=None):
        """Show the new key on the page itself rather than in a message: messages travel in a
        cookie, and the key must not be stored anywhere but in its owner's hands."""
        return TemplateResponse(
            request,
            "admin/api/apikey/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "api_key": obj,
                "key": self._shown_once.pop(obj.pk),
                "title": _("API key created"),
            },
        )
