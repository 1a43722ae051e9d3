"""`manage.py create_alert_source --kind alertmanager --name prometheus`: prints the secret URL."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from statuspage.monitors.models import AlertSource


class Command(BaseCommand):
    help = "Create a source of alerts (Alertmanager, Grafana or generic JSON) and print its URL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", required=True, choices=AlertSource.Kind.values)
        parser.add_argument("--name", required=True)

    def handle(self, *args, kind: str, name: str, **options) -> None:
        source = AlertSource(kind=kind, name=name.strip())
        token = source.new_token()
        try:
            source.full_clean()
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(m)}" for field, m in exc.message_dict.items())
            raise CommandError(problems) from exc
        source.save()
        url = settings.PUBLIC_URL + reverse("alert-webhook", kwargs={"token": token})
        self.stdout.write(f"Alert source “{source.name}” ({source.get_kind_display()}) created.")
        self.stdout.write("Its URL, shown only now (it holds the secret): POST alerts to")
        self.stdout.write(url)
