"""How a time, a label and its value, and a list are said in plain text, in the active language:
the same words the pages' templates show ("北京时间 11月30日 15:30", "预计恢复：15:30",
"放款、信用评估"), for messages built in code (chat robots, email subjects)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import pgettext

from statuspage.lib.zones import zone_name


def _date_and_time(local: datetime, style: str, *, with_year: bool) -> str:
    if style == "date":
        return formats.date_format(local, "DATE_FORMAT")
    if style == "time":
        return formats.date_format(local, "TIME_FORMAT")
    if with_year:
        return formats.date_format(local, "DATETIME_FORMAT")
    # Translated: the format of a date and time within the current year ("Nov 30, 15:30",
    # "11月30日 15:30").
    return formats.date_format(local, pgettext("date and time without the year", "M j, H:i"))


def when_text(moment: datetime, zone: ZoneInfo, style: str = "datetime", year: str = "") -> str:
    """A time as the pages say it: in `zone`, its zone named, the year only when it is not
    this year's ("北京时间 11月30日 15:30", "Nov 30, 15:30 Beijing time"). The template tag
    `when` wraps these words in a <time> element."""
    local = moment.astimezone(zone)
    with_year = year == "always" or local.year != timezone.localdate(timezone=zone).year
    text = _date_and_time(local, style, with_year=with_year)
    if style == "date":
        return text
    # Translated: Chinese names the zone first ("北京时间 15:30").
    return pgettext("a time and its zone", "%(time)s %(zone)s") % {
        "time": text,
        "zone": zone_name(zone),
    }


def labelled(label: str, value: str) -> str:
    """ "Expected recovery: 15:30" / "预计恢复：15:30": a label and its value, in plain text."""
    return pgettext("a label and its value", "%(label)s: %(value)s") % {
        "label": label,
        "value": value,
    }


def list_of(items: Iterable[str]) -> str:
    """ "Disbursement, Credit assessment" / "放款、信用评估"."""
    return pgettext("between names in a list", ", ").join(items)
