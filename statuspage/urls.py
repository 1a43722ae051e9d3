from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from statuspage.api import public as public_api
from statuspage.readpath.publish import Published

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("statuspage.monitors.urls")),
    path("", include("statuspage.api.urls")),
    path("", include("statuspage.public.urls")),
    path("", include("statuspage.readpath.bench")),
]

# What render on write renders after every change (statuspage/readpath/publish.py), besides the
# pages of recent incidents: what the front page links to and what clients poll.
published = [
    Published("status-page", per_language=True),
    Published("history", per_language=True),
    Published("uptime", per_language=True),
    Published("api-summary"),
    Published("api-status"),
    Published("api-components"),
    Published("api-incidents"),
    Published(public_api.unresolved_incidents),
    Published(public_api.resolved_incidents),
    Published(public_api.scheduled_maintenances),
    Published(public_api.upcoming_maintenances),
    Published(public_api.active_maintenances),
    Published("feed-atom"),
    Published("feed-rss"),
    Published("maintenance-calendar"),
    *(
        Published(name, kwargs={"language": code})
        for code, _name in settings.LANGUAGES
        for name in (
            "widget-json-language",
            "feed-atom-language",
            "feed-rss-language",
            "maintenance-calendar-language",
        )
    ),
    Published("page-badge"),
]
