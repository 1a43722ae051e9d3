"""Create the first operator login (once) and print how to sign in. Used by `make run`."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an operator account if none exists, and print its login."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="operator")

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        credentials = settings.RUN_DIR / "operator-login.txt"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password, is_staff=True)
            user.groups.add(Group.objects.get(name="Operator"))
            credentials.parent.mkdir(parents=True, exist_ok=True)
            credentials.write_text(f"{username}\n{password}\n")
            credentials.chmod(0o600)
        if credentials.exists():
            name, password = credentials.read_text().split()[:2]
            self.stdout.write(f"Operator login: {name} / {password}  (kept in {credentials})")
        else:
            self.stdout.write(f"Operator login: {username} (password set earlier)")
