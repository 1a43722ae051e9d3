"""Make a management API key from a script: prints the key, and nothing else, on stdout."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from statuspage.api.models import ApiKey, Scope


class Command(BaseCommand):
    help = "Create an API key for the management API and print it (it is shown only this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", default="script", help="What will use the key.")
        parser.add_argument(
            "--scopes",
            default="read,write",
            help="Comma-separated: read, write, or read,write (the default).",
        )
        parser.add_argument("--user", help="Username whose name API writes are recorded under.")

    def handle(self, *args, name: str, scopes: str, user: str | None, **options) -> None:
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(Scope.values))
        if unknown or not wanted:
            raise CommandError(f"--scopes must be read, write or read,write (got {scopes!r}).")
        owner = None
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            _, key = ApiKey.issue(name=name, scopes=list(dict.fromkeys(wanted)), created_by=owner)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(key)
