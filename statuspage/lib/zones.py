"""Time zones as people name them: "北京时间 (UTC+8)" / "Beijing time (UTC+8)", never
"Asia/Shanghai". Every time a person reads (page, admin, email) names its zone with this."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

# Zones with a name of their own in the languages we serve; others read as "Tokyo time".
_NAMED = {
    "Asia/Shanghai": pgettext_lazy("time zone", "Beijing time"),
    "Asia/Chongqing": pgettext_lazy("time zone", "Beijing time"),
    "Asia/Harbin": pgettext_lazy("time zone", "Beijing time"),
    "PRC": pgettext_lazy("time zone", "Beijing time"),
    "Asia/Hong_Kong": pgettext_lazy("time zone", "Hong Kong time"),
    "Asia/Macau": pgettext_lazy("time zone", "Macau time"),
    "Asia/Taipei": pgettext_lazy("time zone", "Taipei time"),
    "Asia/Singapore": pgettext_lazy("time zone", "Singapore time"),
    "UTC": pgettext_lazy("time zone", "UTC"),
    "Etc/UTC": pgettext_lazy("time zone", "UTC"),
}


def utc_offset(moment: datetime) -> str:
    """ "UTC+8", "UTC+5:30", "UTC-3"; "UTC" at no offset."""
    offset = moment.utcoffset()
    if offset is None or not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def zone_name(zone: tzinfo) -> str:
    """The zone's name alone, in the active language: "北京时间", "Tokyo time"."""
    key = getattr(zone, "key", None) or str(zone)
    if key in _NAMED:
        return str(_NAMED[key])
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    return _("%(city)s time") % {"city": city}


def zone_label(zone: tzinfo, at: datetime | None = None) -> str:
    """The zone with its offset at `at` (now by default): "北京时间 (UTC+8)"; a zone with no
    offset is just "UTC"."""
    moment = (at or timezone.now()).astimezone(zone)
    name, offset = zone_name(zone), utc_offset(moment)
    if name == offset:
        return name
    # Translated: Chinese takes full-width parentheses.
    return _("%(zone)s (%(offset)s)") % {"zone": name, "offset": offset}
