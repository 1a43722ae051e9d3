from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")
django_application = get_wsgi_application()

from statuspage.readpath.fastpath import FastPath  # noqa: E402 - needs Django set up first

application = FastPath(django_application)
