"""`manage.py add_probe COMPONENT_ID URL [--interval 10] [--timeout 5] …`: attach an HTTP probe."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from statuspage.monitors.models import Probe
from statuspage.monitors.signals import save_probe
from statuspage.status.models import Component


class Command(BaseCommand):
    help = "Attach an HTTP probe to a component: its failures and recoveries move its status."

    def add_arguments(self, parser) -> None:
        parser.add_argument("component_id")
        parser.add_argument("url")
        parser.add_argument("--method", default="GET", choices=Probe.Method.values)
        parser.add_argument("--interval", type=int, default=10, help="seconds, at least 10")
        parser.add_argument("--timeout", type=float, default=5, help="seconds")
        parser.add_argument("--expect-status", default="200-299", help="e.g. 200-299,304")
        parser.add_argument("--expect-text", default="", help="text the answer must contain")
        parser.add_argument("--reject-text", default="", help="text the answer must not contain")
        parser.add_argument("--slow-ms", type=int, default=None, help="slower is degraded")
        parser.add_argument("--degraded-after", type=int, default=2)
        parser.add_argument("--partial-after", type=int, default=None)
        parser.add_argument("--outage-after", type=int, default=4)
        parser.add_argument("--recover-after", type=int, default=2)
        parser.add_argument(
            "--publish-automatically",
            action="store_true",
            help="publish the incident at once when this probe moves the component (no draft)",
        )

    def handle(self, *args, **options) -> None:
        component = Component.objects.filter(pk=options["component_id"]).first()
        if component is None:
            raise CommandError(f"No component has the id “{options['component_id']}”.")
        probe = Probe(
            component=component,
            url=options["url"],
            method=options["method"],
            interval_seconds=options["interval"],
            timeout_seconds=options["timeout"],
            expected_status=options["expect_status"],
            expect_text=options["expect_text"],
            reject_text=options["reject_text"],
            latency_threshold_ms=options["slow_ms"],
            degraded_after=options["degraded_after"],
            partial_after=options["partial_after"],
            outage_after=options["outage_after"],
            recover_after=options["recover_after"],
            publish_automatically=options["publish_automatically"],
        )
        try:
            save_probe(probe)
        except ValidationError as exc:
            lines = [
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            ]
            raise CommandError("The probe was not added.\n" + "\n".join(lines)) from exc
        self.stdout.write(
            f"Probe {probe.pk} added to “{component.name}”: {probe} every "
            f"{probe.interval_seconds} s."
        )
