"""The demo page comes with four months of uptime history that shows its incidents: the past
one and the one still open."""

from __future__ import annotations

from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from statuspage.status.models import Component, DailyUptime, Page


def test_every_demo_component_has_a_day_by_day_history_with_the_incident_in_it(db):
    call_command("load_demo", verbosity=0)
    today = timezone.localdate(timezone=Page.get().zone)
    for component in Component.objects.all():
        days = list(
            DailyUptime.objects.filter(component=component)
            .order_by("day")
            .values_list("day", flat=True)
        )
        assert days[0] == component.counted_from(Page.get().zone)
        assert days[-1] == today
        assert len(days) == (today - component.counted_from(Page.get().zone)).days + 1  # no gaps
    disbursement = DailyUptime.objects.filter(component__name_en="Disbursement")
    totals = disbursement.aggregate(
        partial=Sum("partial_seconds"), degraded=Sum("degraded_seconds"), major=Sum("major_seconds")
    )
    # The demo incident: 80 minutes of partial outage, then 50 of degraded performance.
    assert totals == {"partial": 80 * 60, "degraded": 50 * 60, "major": 0}
    # The open incident: card repayments partly down for the last 35 minutes, up to now.
    repayment = DailyUptime.objects.filter(component__name_en="Repayment service")
    partial = repayment.aggregate(partial=Sum("partial_seconds"))["partial"]
    assert 35 * 60 <= partial < 36 * 60
    others = DailyUptime.objects.exclude(
        component__name_en__in=["Disbursement", "Repayment service"]
    )
    assert others.aggregate(partial=Sum("partial_seconds"))["partial"] == 0


def test_loading_the_demo_again_leaves_the_history_alone(db):
    call_command("load_demo", verbosity=0)
    rows = DailyUptime.objects.count()
    call_command("load_demo", verbosity=0)
    assert DailyUptime.objects.count() == rows
