"""Beat's probe tick and the results' pruning: thin tasks over `probing`."""

from __future__ import annotations

from celery import shared_task

from statuspage.monitors import probing, reminders, surge


@shared_task
def run_due_probes() -> int:
    """Claim the probes due now and check them; returns how many this task ran."""
    probes = probing.claim_due()
    probing.run(probes)
    return len(probes)


@shared_task
def prune_probe_results() -> int:
    return probing.prune()


@shared_task
def remind_operators() -> int:
    """Remind operators of components off operational with no published incident."""
    return reminders.remind()


@shared_task
def check_visitor_surge() -> bool:
    """Whether the last minute was a visitor surge (operators told once per surge)."""
    reading = surge.check()
    return reading is not None and reading.surging
