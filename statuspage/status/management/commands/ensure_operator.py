"""Create the first operator login (once) and print how to sign in. Used by `make run`.

The password is printed when the account is made and never again: `make run` output ends up in
terminals' scrollback and in logs. It is also kept, readable only by the service's own user, in
RUN_DIR/operator-login.txt for whoever missed it; `changepassword` sets a new one.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from statuspage.lib.private_files import private_dir, replace_private_file


class Command(BaseCommand):
    help = "Create an operator account if none exists; print its password only when creating it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="operator")

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        credentials = settings.RUN_DIR / "operator-login.txt"
        if User.objects.filter(username=username).exists():
            kept = f", kept in {credentials}" if credentials.exists() else ""
            self.stdout.write(
                f"Operator login: {username} (password shown when the account was created{kept};"
                f" set a new one with `python manage.py changepassword {username}`)"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, password=password, is_staff=True)
        user.groups.add(Group.objects.get(name="Operator"))
        private_dir(credentials.parent)
        replace_private_file(credentials, f"{username}\n{password}\n")
        self.stdout.write(
            f"Operator login: {username} / {password}\n"
            f"  (shown this once; kept in {credentials}, readable only by you)"
        )
