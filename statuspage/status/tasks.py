"""Beat's periodic work for the status domain. Each task only calls the function that does it."""

from __future__ import annotations

from celery import shared_task

from statuspage.status import maintenance, overdue, uptime


@shared_task(name="statuspage.status.tasks.run_maintenance")
def run_maintenance() -> int:
    """Reminders, automatic starts and completions, expired announcements (every minute)."""
    return maintenance.run_due()


@shared_task(name="statuspage.status.tasks.schedule_recurring_maintenance")
def schedule_recurring_maintenance() -> int:
    return maintenance.schedule_recurring()


@shared_task(name="statuspage.status.tasks.refresh_uptime")
def refresh_uptime() -> int:
    return uptime.refresh_all()


@shared_task(name="statuspage.status.tasks.flag_overdue_promises")
def flag_overdue_promises() -> int:
    """Expected recoveries and promised updates that passed unmet (every 30 seconds)."""
    return overdue.flag_overdue()
