"""Beat's periodic work for the status domain. Each task only calls the function that does it."""

from __future__ import annotations

from celery import shared_task

from statuspage.status import maintenance, uptime


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
