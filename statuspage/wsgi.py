"""The web server's entry point: Django behind the read path's WSGI fast path.

Django is set up here only if nothing in this process set it up before: setting it up twice
configures logging twice, and in a process whose output was redirected since (a Celery worker)
that silences every later log line.
"""

from __future__ import annotations

import os

import django
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")
if not apps.ready:
    django.setup(set_prefix=False)
django_application = WSGIHandler()

from statuspage.readpath.fastpath import FastPath  # noqa: E402 - needs Django set up first

application = FastPath(django_application)
