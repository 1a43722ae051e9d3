"""API keys for the management API.

A key is shown once, when it is made; only its SHA-256 is stored. SHA-256 rather than a password
hash because the key is 192 random bits: nobody can guess it, so a slow hash would only slow down
every request. A key carries scopes: `read` for GET, `write` for everything else.

A key acts for the person who made it and works only while they could do the same in the
console: it stops the moment they are deactivated, lose staff status or lose the permissions its
scopes need, and it is deleted with them. Keys made with `create_api_key` and no `--user` belong
to nobody: whoever runs commands on the server made them, and deleting them is how they end.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How stale `last_used_at` may get: recording every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
PREFIX_LENGTH = 8


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")


# What a key's owner must still be allowed to do for each scope to work: the API reaches what
# the console does, so the console's permissions (all in the Operator group).
SCOPE_PERMISSIONS = {
    Scope.READ: ("status.view_page", "status.view_component", "status.view_incident"),
    Scope.WRITE: ("status.change_component", "status.add_incident", "status.change_incident"),
}
# Subscribers who never confirmed can be sent mail they did not ask for: importing them is a
# permission of its own, which the Operator group does not have.
SKIP_CONFIRMATION_PERMISSION = "api.add_subscriber_without_confirmation"


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
    hashed_key = models.CharField(
        max_length=64, unique=True, editable=False, verbose_name=_("key hash")
    )
    scopes = models.JSONField(_("scopes"), default=list, validators=[validate_scopes])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text=_(
            "API writes are recorded as this person's; the key works only while they could make "
            "the same changes in the console."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        permissions = [
            (
                SKIP_CONFIRMATION_PERMISSION.split(".")[1],
                _("Can add subscribers through the API without confirming them"),
            )
        ]

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

    @property
    def owner_is_active_staff(self) -> bool:
        """Whether the owner is still an active staff member (keys without one: yes).
        Costs no query: `find` loads the owner with the key."""
        owner = self.created_by
        return owner is None or (owner.is_active and owner.is_staff)

    def owner_holds(self, *permissions: str) -> bool:
        """Whether the owner has every one of `permissions` ("app_label.codename"), directly or
        through a group, in one query (Django's `has_perms` takes two, on every API request).
        A key without an owner holds none."""
        owner = self.created_by
        if owner is None or not owner.is_active:
            return False
        if owner.is_superuser:
            return True
        needed = {tuple(permission.split(".", 1)) for permission in permissions}
        held = (
            Permission.objects.filter(Q(user=owner) | Q(group__user=owner))
            .filter(codename__in=[codename for _, codename in needed])
            .values_list("content_type__app_label", "codename")
            .distinct()
        )
        return needed <= set(held)

    def owner_may_use(self, scope: str) -> bool:
        """Whether the owner still has the permissions `scope` needs (keys without one: yes)."""
        return self.created_by is None or self.owner_holds(*SCOPE_PERMISSIONS[Scope(scope)])

    def record_use(self) -> None:
        """Note that the key was used, at most once per LAST_USED_RESOLUTION."""
        now = timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_RESOLUTION:
            return
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now
