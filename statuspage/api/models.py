"""API keys for the management API.

A key is shown once, when it is made; only its SHA-256 is stored. SHA-256 rather than a password
hash because the key is 192 random bits: nobody can guess it, so a slow hash would only slow down
every request. A key carries scopes: `read` for GET, `write` for everything else.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How stale `last_used_at` may get: recording every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
PREFIX_LENGTH = 8


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def validate_scopes(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(s, str) and s in Scope.values for s in value)
    ):
        raise ValidationError(_("Choose read, write or both."))


class ApiKeyQuerySet(models.QuerySet):
    def find(self, key: str) -> ApiKey | None:
        """The key this secret belongs to, or None."""
        if not key:
            return None
        return self.select_related("created_by").filter(hashed_key=hash_key(key)).first()


class ApiKey(models.Model):
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses this key, e.g. “Alertmanager bridge”.")
    )
    prefix = models.CharField(
        _("prefix"),
        max_length=PREFIX_LENGTH,
        editable=False,
        help_text=_("The key's first characters, to recognise it."),
    )
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, validators=[validate_scopes])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text=_("API writes are recorded as this person's."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def assign_key(self) -> str:
        """Give this (unsaved) row a new secret and return it: the only time it is readable."""
        key = secrets.token_hex(24)
        self.prefix = key[:PREFIX_LENGTH]
        self.hashed_key = hash_key(key)
        return key

    @classmethod
    def issue(cls, *, name: str, scopes: list[str], created_by=None) -> tuple[ApiKey, str]:
        """Create a key; returns the row and the secret to hand to its user."""
        api_key = cls(name=name, scopes=list(scopes), created_by=created_by)
        key = api_key.assign_key()
        api_key.full_clean()
        api_key.save()
        return api_key, key

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def record_use(self) -> None:
        """Note that the key was used, at most once per LAST_USED_RESOLUTION."""
        now = timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_RESOLUTION:
            return
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now


class EmbedPosition(models.TextChoices):
    TOP_LEFT = "top-left", _("Top left")
    TOP_RIGHT = "top-right", _("Top right")
    BOTTOM_LEFT = "bottom-left", _("Bottom left")
    BOTTOM_RIGHT = "bottom-right", _("Bottom right")


def _colour(**kwargs) -> models.CharField:
    return models.CharField(
        max_length=7,
        validators=[
            RegexValidator(r"^#[0-9A-Fa-f]{6}\Z", _("Give a colour as #RRGGBB, e.g. #B54708."))
        ],
        **kwargs,
    )


class StatusEmbedConfig(models.Model):
    """Statuspage's status embed settings (`/v1/pages/{page_id}/status_embed_config`): the
    corner the banner appears in and its colours. One row; the defaults are the widget's own
    colours."""

    position = models.CharField(
        max_length=12, choices=EmbedPosition.choices, default=EmbedPosition.BOTTOM_LEFT
    )
    incident_background_color = _colour(default="#B54708")
    incident_text_color = _colour(default="#FFFFFF")
    maintenance_background_color = _colour(default="#1F5FBF")
    maintenance_text_color = _colour(default="#FFFFFF")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("status embed")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def get(cls) -> StatusEmbedConfig:
        config, _created = cls.objects.get_or_create(pk=1)
        return config
