"""What each publish target (PUBLISH_TARGETS) last received, and why it failed if it did."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishTarget(models.Model):
    """One row per target, by its name (its URL without secrets), created on first publish.

    `published_version` is the page version the target's manifest names after our last good
    publish; a target behind the current version is published again by the sweeper
    (tasks.keep_published), after a back-off while it keeps failing."""

    name = models.CharField(_("target"), max_length=1000, unique=True)
    published_version = models.BigIntegerField(_("published version"), default=0)
    published_at = models.DateTimeField(_("last published"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next retry"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("publish target")
        verbose_name_plural = _("publish targets")

    def __str__(self) -> str:
        return self.name
