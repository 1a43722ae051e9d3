"""A visitor surge is a signal: borrowers flock to the page before anyone files a ticket.

Beat compares the last complete minute's page views (readpath.views_counter) with the trailing
hour's rate. A minute with at least VISITOR_SURGE_MIN_VIEWS views and VISITOR_SURGE_FACTOR times
the hour's average per minute is a surge; while the page says nothing (no open incident, no
maintenance under way) the operators are emailed, once per surge: the first surging minute
claims a Redis key (SET NX), and the first quiet minute ends the surge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction

from statuspage.lib.redis import redis_client
from statuspage.operators import alerts
from statuspage.readpath import views_counter
from statuspage.status.models import Incident, IncidentStatus

log = logging.getLogger(__name__)
SURGE_KEY = "sp:surge:told"
HOUR = 60


@dataclass(frozen=True)
class Reading:
    minute: int  # minutes since the epoch
    views: int  # in that minute
    hourly_rate: float  # average views per minute over the 60 minutes before it

    @property
    def surging(self) -> bool:
        return self.views >= settings.VISITOR_SURGE_MIN_VIEWS and (
            self.views >= settings.VISITOR_SURGE_FACTOR * max(self.hourly_rate, 1.0)
        )


def read(now_minute: int | None = None) -> Reading:
    """The last complete minute against the hour before it."""
    last = (views_counter.minute_of() if now_minute is None else now_minute) - 1
    counts = views_counter.per_minute(last - HOUR, last)
    return Reading(minute=last, views=counts[-1], hourly_rate=sum(counts[:-1]) / HOUR)


def page_says_something() -> bool:
    return Incident.objects.open().exclude(status=IncidentStatus.SCHEDULED).exists()


def check(now_minute: int | None = None) -> Reading | None:
    """Look at the last minute; tell the operators of a new surge. Returns the reading (None
    if Redis cannot be read)."""
    try:
        reading = read(now_minute)
        client = redis_client()
        if not reading.surging:
            client.delete(SURGE_KEY)
            return reading
        if page_says_something():
            return reading  # the page already explains; no need to tell anyone
        if not client.set(SURGE_KEY, reading.minute, nx=True, ex=6 * 3600):
            return reading  # this surge was told already
    except Exception:
        log.warning("visitor surge not checked (Redis)", exc_info=True)
        return None
    log.warning(
        "visitor surge: %d views in a minute against %.1f a minute over the hour before",
        reading.views,
        reading.hourly_rate,
    )
    transaction.on_commit(partial(alerts.visitor_surge, reading.views, reading.hourly_rate))
    return reading
