"""What the status domain announces, for other apps to act on (notify listens; status never
imports them). Every signal is sent inside the transaction that made the change, so a receiver
that writes rows (the notification outbox) commits or rolls back together with the change.
"""

from __future__ import annotations

from django.dispatch import Signal

# An incident update was written. kwargs: update (IncidentUpdate), notify (bool).
update_published = Signal()

# Component statuses changed. kwargs: changes (list[StatusChange]).
components_changed = Signal()

# A postmortem was published. kwargs: incident, notify (bool).
postmortem_published = Signal()

# A scheduled maintenance is due for its "starts soon" reminder. kwargs: incident.
maintenance_reminder = Signal()

# A new page version is committed and published. kwargs: version (int). Sent after the commit,
# outside any transaction: receivers schedule work (render on write), they write no rows.
page_changed = Signal()

# An open incident's promise passed unmet and was just flagged (once per promise): its expected
# recovery, or the latest update's "next update by". kwargs: incident, promise ("recovery" or
# "next_update"), at (when it was flagged).
promise_missed = Signal()
