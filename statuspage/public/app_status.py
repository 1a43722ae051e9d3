"""`/api/app/status.json`: what the lender's app needs to disable its borrow button and say why.

Per function (borrow, repay, raise the limit) whether it works, the functions' states as one
line, and the open notice (statuspage/status/notice.py): its one-line summary, cause,
reassurances, alternative channels, expected recovery (flagged once it has passed: being
reassessed) and next update (flagged once late). In the caller's language: `?lang=zh-hans` or
`?lang=en`, else Accept-Language (or the language cookie), else the default language.

Served like the page: from the page-version response cache and the WSGI fast path, with an
ETag (304 for an unchanged page), readable from any origin. `lang` is read in its canonical
spelling only: another spelling of a language we speak (`zh-CN`, `EN`) is redirected to it and
anything else to the default language's, so a query string cannot multiply renders.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import translation
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from statuspage.lib.timestamps import statuspage_time
from statuspage.public.views import expires
from statuspage.readpath.cache import cached
from statuspage.status.models import Page
from statuspage.status.notice import banner_line, open_notices

# Spellings of our languages that apps send (case and "_" aside).
LANGUAGE_ALIASES = {
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-hans-cn": "zh-hans",
    "en-us": "en",
    "en-gb": "en",
}


def canonical_language(value: str) -> str:
    """`lang` as we spell it: one of our languages; an unknown value is the default's, an empty
    one is dropped (the caller's Accept-Language decides)."""
    code = value.strip().lower().replace("_", "-")
    if not code:
        return ""
    code = LANGUAGE_ALIASES.get(code, code)
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def language_from_query(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Speak the language `?lang=` names, when it names one as we spell it (otherwise the
    cache redirects to that spelling first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        asked = request.GET.get("lang")
        if asked not in dict(settings.LANGUAGES):
            return view(request, *args, **kwargs)
        with translation.override(asked):
            return view(request, *args, **kwargs)

    return wrapper


def app_status() -> tuple[dict, list]:
    """The app's status in the active language, and the notices it tells."""
    page = Page.get()
    zone = page.zone
    functions, notices = open_notices()
    first = notices[0] if notices else None
    notice = None
    if first is not None:
        full = first.as_json(zone)
        notice = {
            key: full[key]
            for key in (
                "id",
                "kind",
                "status",
                "summary",
                "cause",
                "cause_note",
                "reassurances",
                "channels",
                "expected_recovery_at",
                "expected_recovery_reassessing",
                "next_update_by",
                "next_update_overdue",
                "url",
            )
        }
    payload = {
        "language": get_language(),
        "updated_at": statuspage_time(page.updated_at, zone),
        "ok": all(f.works for f in functions) and first is None,
        "summary": banner_line(functions),
        "functions": [{"id": f.id, "name": f.name, "state": f.state} for f in functions],
        "notice": notice,
        "other_notices": max(len(notices) - 1, 0),
        "page": page.url,
    }
    return payload, notices


@require_safe
@language_from_query
@cached(params={"lang": canonical_language})
def app_status_json(request: HttpRequest) -> HttpResponse:
    payload, notices = app_status()
    response = JsonResponse(
        payload,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    # Stored with the cached response: the WSGI fast path answers without the CORS middleware.
    response["Access-Control-Allow-Origin"] = "*"
    response["Last-Modified"] = http_date(Page.get().updated_at.timestamp())
    expires(response, notices)  # a promise that passes turns into "being reassessed"
    return response


urlpatterns = [
    path("api/app/status.json", app_status_json, name="app-status"),
]
