"""The APIs' addresses.

- `/api/v2/*.json`: the public API (public.py), CORS open; `subscribers.json` takes POST and
  DELETE (public_subscribers.py).
- `/v1/…` and the same under `/api/v1/…`: the management API (resources/): Statuspage's
  resources and ours (functions and alternative channels: resources/functions.py). Every
  route also answers with a `.json` suffix and with a trailing slash, so no write is ever
  redirected (a redirected POST or PATCH loses its body in most clients).
- `/api/schema/` (OpenAPI 3, built once per process: schema_view.py) and `/api/docs/`
  (Swagger UI, served from our own static files).
- Anything else under those prefixes is a JSON 404.
"""

from __future__ import annotations

import re

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

from statuspage.api import public
from statuspage.api.errors import not_found
from statuspage.api.public_subscribers import PublicSubscribers
from statuspage.api.resources import (
    absent,
    components,
    embed,
    functions,
    groups,
    incident_updates,
    incidents,
    pages,
    postmortems,
    subscribers,
    templates,
    uptime,
)
from statuspage.api.schema_view import SchemaView


def v1(route: str, view) -> URLPattern:
    """`route` as `pages/{page_id}/components`, under /v1/ and /api/v1/, with or without
    `.json` and a trailing slash."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/.]+)", route)
    return re_path(rf"^(?:api/)?v1/{pattern}(?:\.json)?/?$", view.as_view())


PAGE = "pages/{page_id}"
INCIDENT = f"{PAGE}/incidents/{{incident_id}}"

urlpatterns = [
    path("api/v2/summary.json", public.summary, name="api-summary"),
    path("api/v2/status.json", public.status, name="api-status"),
    path("api/v2/components.json", public.components, name="api-components"),
    path("api/v2/incidents.json", public.incidents, name="api-incidents"),
    path("api/v2/incidents/unresolved.json", public.unresolved_incidents),
    path("api/v2/incidents/resolved.json", public.resolved_incidents),
    path("api/v2/scheduled-maintenances.json", public.scheduled_maintenances),
    path("api/v2/scheduled-maintenances/upcoming.json", public.upcoming_maintenances),
    path("api/v2/scheduled-maintenances/active.json", public.active_maintenances),
    path("api/v2/subscribers.json", PublicSubscribers.as_view()),
    re_path(r"^api/v2(?:/.*)?$", not_found),
    v1("pages", pages.PageList),
    v1(PAGE, pages.PageDetail),
    v1(f"{PAGE}/components", components.ComponentList),
    v1(f"{PAGE}/components/{{component_id}}", components.ComponentDetail),
    v1(f"{PAGE}/components/{{component_id}}/uptime", uptime.ComponentUptime),
    v1(f"{PAGE}/component-groups", groups.ComponentGroupList),
    v1(f"{PAGE}/component-groups/{{group_id}}", groups.ComponentGroupDetail),
    v1(f"{PAGE}/component-groups/{{group_id}}/uptime", uptime.GroupUptime),
    v1(f"{PAGE}/incidents", incidents.IncidentList),
    v1(f"{PAGE}/incidents/unresolved", incidents.UnresolvedIncidents),
    v1(f"{PAGE}/incidents/scheduled", incidents.ScheduledIncidents),
    v1(f"{PAGE}/incidents/upcoming", incidents.UpcomingIncidents),
    v1(f"{PAGE}/incidents/active_maintenance", incidents.ActiveMaintenance),
    v1(INCIDENT, incidents.IncidentDetail),
    v1(f"{INCIDENT}/incident_updates/{{update_id}}", incident_updates.IncidentUpdateDetail),
    v1(
        f"{INCIDENT}/incidents_update/{{update_id}}",
        incident_updates.MisspelledIncidentUpdateDetail,
    ),
    v1(f"{INCIDENT}/postmortem", postmortems.Postmortem),
    v1(f"{INCIDENT}/postmortem/publish", postmortems.PublishPostmortem),
    v1(f"{INCIDENT}/postmortem/revert", postmortems.RevertPostmortem),
    v1(f"{PAGE}/subscribers", subscribers.SubscriberList),
    v1(f"{PAGE}/subscribers/count", subscribers.SubscriberCount),
    v1(f"{PAGE}/subscribers/histogram_by_state", subscribers.SubscriberHistogram),
    v1(f"{PAGE}/subscribers/histogram", subscribers.HistogramAlias),
    v1(f"{PAGE}/subscribers/unsubscribed", subscribers.UnsubscribedList),
    v1(f"{PAGE}/unsubscribed", subscribers.UnsubscribedAlias),
    v1(f"{PAGE}/subscribers/resend_confirmation", subscribers.BulkResendConfirmation),
    v1(f"{PAGE}/subscribers/unsubscribe", subscribers.BulkUnsubscribe),
    v1(f"{PAGE}/subscribers/reactivate", subscribers.BulkReactivate),
    v1(f"{PAGE}/subscribers/{{subscriber_id}}", subscribers.SubscriberDetail),
    v1(
        f"{PAGE}/subscribers/{{subscriber_id}}/resend_confirmation",
        subscribers.ResendConfirmation,
    ),
    v1(f"{INCIDENT}/subscribers", subscribers.IncidentSubscriberList),
    v1(f"{INCIDENT}/subscribers/{{incident_subscriber_id}}", subscribers.IncidentSubscriberDetail),
    v1(
        f"{INCIDENT}/subscribers/{{incident_subscriber_id}}/resend_confirmation",
        subscribers.IncidentResendConfirmation,
    ),
    v1(f"{PAGE}/status_embed_config", embed.StatusEmbedConfigView),
    v1(f"{PAGE}/metrics", absent.NoneHere),
    v1(f"{PAGE}/metrics_providers", absent.NoneHere),
    v1(f"{PAGE}/page_access_users", absent.NoneHere),
    v1(f"{PAGE}/page_access_groups", absent.NoneHere),
    v1(f"{PAGE}/functions", functions.FunctionList),
    v1(f"{PAGE}/functions/{{function_id}}", functions.FunctionDetail),
    v1(f"{PAGE}/channels", functions.ChannelList),
    v1(f"{PAGE}/channels/{{channel_id}}", functions.ChannelDetail),
    v1(f"{PAGE}/incident_templates", templates.IncidentTemplateList),
    v1(f"{PAGE}/incident_templates/{{template_id}}", templates.IncidentTemplateDetail),
    re_path(r"^(?:api/)?v1(?:/.*)?$", not_found),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
