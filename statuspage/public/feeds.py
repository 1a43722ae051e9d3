"""The history as feeds, for readers and calendars.

- `/history.atom` and `/history.rss`: one entry per incident (the 50 most recent, newest
  first, maintenance and announcements included), titled with its name, linking to its page,
  its content the updates newest first: time, status in bold, message.
- `/maintenance.ics`: upcoming maintenance and that of the last RECENT_DAYS, one event each.

Each feed is in one language: `/history.atom` (and the others) in the page's default language,
`/history.en.atom`, `/history.zh-hans.rss`, `/maintenance.en.ics` ... in the one they name; the
page links to the feeds in its visitor's language. Served from the page-version response
cache, rendered once per change and language; links come from PUBLIC_URL, never from the
request, so every reader of a feed gets the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path, re_path, reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from statuspage.public.views import next_midnight
from statuspage.public.widget import LANGUAGE_PATTERN
from statuspage.readpath.cache import cached
from statuspage.status.models import Component, Incident, Page

FEED_ITEMS = 50
RECENT_DAYS = 30


class AtomWithContent(Atom1Feed):
    """Atom with each entry's updates as `<content type="html">`, as Statuspage's feed has
    them (Django's Atom feed only writes a summary)."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


@dataclass(frozen=True)
class History:
    """What a feed render needs besides the incidents (Feed instances are shared by requests,
    so nothing request-specific may live on them)."""

    page: Page
    names: dict[str, str]
    language: str | None  # as the URL names it; None for the default language's feed


@dataclass(frozen=True)
class Entry:
    """An incident as a feed item, with its updates rendered in the page's time zone."""

    incident: Incident
    updates_html: str


def in_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view in the language its URL names (`language`), else in the default one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, language: str | None = None, **kwargs):
        with translation.override(language or settings.LANGUAGE_CODE):
            return view(request, *args, language=language, **kwargs)

    return wrapper


def feed_path(name: str, language: str | None) -> str:
    if language is None:
        return reverse(name)
    return reverse(f"{name}-language", kwargs={"language": language})


class HistoryFeed(Feed):
    def get_object(self, request: HttpRequest, *args, language: str | None = None) -> History:
        names = {c.pk: c.display_name for c in Component.objects.select_related("group")}
        return History(page=Page.get(), names=names, language=language)

    def title(self, history: History) -> str:
        return _("%(page)s: incident history") % {"page": history.page.name}

    def link(self, history: History) -> str:
        return settings.PUBLIC_URL + reverse("history")

    def description(self, history: History) -> str:
        return _("Incidents and maintenance of %(page)s, newest first.") % {
            "page": history.page.name
        }

    def author_name(self, history: History) -> str:
        return str(history.page.name)

    def items(self, history: History) -> list[Entry]:
        return [
            Entry(
                incident,
                render_to_string(
                    "feeds/incident_updates.html",
                    {
                        "incident": incident,
                        "zone": history.page.zone,
                        "component_names": history.names,
                    },
                ),
            )
            for incident in Incident.objects.published().with_details()[:FEED_ITEMS]
        ]

    def item_title(self, entry: Entry) -> str:
        return str(entry.incident.name)

    def item_link(self, entry: Entry) -> str:
        return entry.incident.shortlink

    def item_pubdate(self, entry: Entry) -> datetime:
        return entry.incident.created_at

    def item_updateddate(self, entry: Entry) -> datetime:
        return entry.incident.updated_at


class HistoryRss(HistoryFeed):
    feed_type = Rss201rev2Feed

    def feed_url(self, history: History) -> str:
        return settings.PUBLIC_URL + feed_path("feed-rss", history.language)

    def item_description(self, entry: Entry) -> str:
        return entry.updates_html


class HistoryAtom(HistoryFeed):
    feed_type = AtomWithContent

    def subtitle(self, history: History) -> str:
        return self.description(history)

    def feed_url(self, history: History) -> str:
        return settings.PUBLIC_URL + feed_path("feed-atom", history.language)

    # Django writes no <summary> for None, which django-stubs' `-> str` leaves out.
    def item_description(self, entry: Entry) -> None:  # type: ignore[override]
        return None  # the updates go in <content>, not repeated in <summary>

    def item_extra_kwargs(self, entry: Entry) -> dict:
        return {"content": entry.updates_html}


def maintenance_event(maintenance: Incident, host: str) -> Event:
    latest = maintenance.updates.all()[:1]
    affected = pgettext("between names in a list", ", ").join(
        c.display_name for c in maintenance.components.all()
    )
    description = "\n\n".join(
        part
        for part in (
            latest[0].body if latest else "",
            _("Affects: %(components)s") % {"components": affected} if affected else "",
            maintenance.shortlink,
        )
        if part
    )
    event = Event()
    event.add("uid", f"{maintenance.id}@{host}")
    event.add("dtstamp", maintenance.updated_at)
    event.add("created", maintenance.created_at)
    event.add("last-modified", maintenance.updated_at)
    event.add("dtstart", maintenance.scheduled_for)
    event.add("dtend", maintenance.scheduled_until)
    event.add("summary", str(maintenance.name))
    event.add("description", description)
    event.add("url", maintenance.shortlink)
    event.add("status", "CONFIRMED")
    return event


def maintenance_calendar(request: HttpRequest, language: str | None = None) -> HttpResponse:
    page = Page.get()
    host = urlsplit(settings.PUBLIC_URL).hostname or "localhost"
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    maintenances = (
        Incident.objects.maintenances()
        .filter(scheduled_until__gte=since)
        .order_by("scheduled_for")
        .with_details()
    )
    calendar = Calendar()
    calendar.add("prodid", "-//statuspage//maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("%(page)s: maintenance") % {"page": page.name})
    for maintenance in maintenances:
        calendar.add_component(maintenance_event(maintenance, host))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Last-Modified"] = http_date(page.updated_at.timestamp())
    # "Recent" moves with the calendar day.
    response["Expires"] = http_date(next_midnight(page.zone))
    return response


def feed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A feed as served: from the cache, once per address (each is in one language)."""
    return require_safe(cached(per_language=False)(in_language(view)))


atom, rss, calendar_view = feed(HistoryAtom()), feed(HistoryRss()), feed(maintenance_calendar)
LANGUAGE = rf"(?P<language>{LANGUAGE_PATTERN})"

urlpatterns = [
    path("history.atom", atom, name="feed-atom"),
    path("history.rss", rss, name="feed-rss"),
    path("maintenance.ics", calendar_view, name="maintenance-calendar"),
    re_path(rf"^history\.{LANGUAGE}\.atom$", atom, name="feed-atom-language"),
    re_path(rf"^history\.{LANGUAGE}\.rss$", rss, name="feed-rss-language"),
    re_path(
        rf"^maintenance\.{LANGUAGE}\.ics$", calendar_view, name="maintenance-calendar-language"
    ),
]
