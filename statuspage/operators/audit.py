"""The audit log: who changed what, when, with the values before and after (django-auditlog).

Every save and delete of the models below writes a log entry, whatever wrote it: the admin,
the API, a task (no actor) or a visitor's subscription (no actor). The actor is the signed-in
operator, or for the API the person who created the key; both come from `request.user`, which
DRF sets on the underlying request once it has authenticated the key. The middleware therefore
hands auditlog the user lazily, to be read when an entry is written, after authentication.
"""

from __future__ import annotations

from typing import cast

from auditlog.middleware import AuditlogMiddleware
from auditlog.registry import auditlog
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from statuspage.api.models import ApiKey
from statuspage.lib.clientip import client_ip
from statuspage.notify.models import Subscriber
from statuspage.status.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    RecurringMaintenance,
    SelfHelpTopic,
)

# Fields every write touches are left out: a diff of them says nothing.
UNTRACKED = ["updated_at"]

AUDITED: dict[type[Model], dict] = {
    Page: {"exclude_fields": [*UNTRACKED, "version"]},
    ComponentGroup: {},
    Component: {},
    Incident: {"m2m_fields": {"components"}},
    IncidentUpdate: {},
    IncidentTemplate: {},
    RecurringMaintenance: {"m2m_fields": {"components"}},
    SelfHelpTopic: {},
    # Secrets and the nonces that sign a subscriber's links never reach the log.
    Subscriber: {"exclude_fields": [*UNTRACKED, "secret", "confirm_nonce", "manage_nonce"]},
    ApiKey: {"exclude_fields": ["hashed_key", "last_used_at"]},
}


def register_audited_models() -> None:
    for model, options in AUDITED.items():
        # Reverse relations (an incident's updates, notices, ...) are not the row's own values;
        # each related row that is audited has entries of its own.
        reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
        excluded = options.get("exclude_fields", UNTRACKED)
        auditlog.register(model, **{**options, "exclude_fields": [*excluded, *reverse]})


class OperatorActions(AuditlogMiddleware):
    """auditlog's middleware, with our client address and an actor read when it is needed."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str:
        return client_ip(request)  # forwarded only from trusted

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> None:
        return None  # X-Forwarded-Port is as forgeable as X-Forwarded-For, and says little

    @staticmethod
    def _get_actor(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
        return cast(AbstractBaseUser, SimpleLazyObject(lambda: request.user))
