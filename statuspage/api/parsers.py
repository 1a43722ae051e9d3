"""Request bodies in every shape Statuspage's clients send.

- JSON, the common case.
- Form bodies with Rails bracket keys (`incident[name]=…`, `incident[components][id]=…`,
  `incident[component_ids][]=…`), which Statuspage's own docs and SaltStack use.
- A body with no Content-Type, or one that does not describe it (a grafana bridge sends JSON
  text with none; `fetch` labels a string text/plain): parsed as JSON if it looks like JSON,
  else as a form.

Whatever the body, the answer is the data or a 400 that says what is wrong: JSON nested more
than MAX_DEPTH levels (Python's parser would recurse until RecursionError), numbers beyond 64-bit
integers or not finite, NUL characters and text that is not UTF-8 are refused here.

No maintained library parses Rack's bracket syntax (the nested-form packages want numbered
indexes), so `nest` below does, in the way Rack does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, FormParser, JSONParser

from statuspage.api.errors import PayloadTooLarge

MAX_DEPTH = 32  # Statuspage's deepest body is three levels; metadata a few more
LARGEST_NUMBER = 2**63 - 1
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


class BracketKeyError(ValueError):
    pass


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rails/Rack nesting: `a[b][c]=1` → {"a": {"b": {"c": "1"}}}; `a[b][]=x` appends to a list.

    A key that is used both as a value and as a container (`a=1&a[b]=2`) is an error, as in
    Rack, rather than a silent overwrite.
    """
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if match is None:
            raise BracketKeyError(raw_key)
        parts = [match.group(1), *_PART.findall(match.group(2))]
        if len(parts) > MAX_DEPTH:
            raise BracketKeyError(raw_key)
        node: Any = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            if part == "":
                if not isinstance(node, list) or not last:
                    raise BracketKeyError(raw_key)  # `a[][b]` arrays of hashes: not used by clients
                node.append(value)
                break
            if not isinstance(node, dict):
                raise BracketKeyError(raw_key)
            if last:
                if isinstance(node.get(part), dict | list):
                    raise BracketKeyError(raw_key)
                node[part] = value
            else:
                container: Any = [] if following == "" else {}
                child = node.setdefault(part, container)
                if type(child) is not type(container):
                    raise BracketKeyError(raw_key)
                node = child
    return result


def nest_query(query: str) -> dict[str, Any]:
    return nest(parse_qsl(query, keep_blank_values=True))


def _form(text: str) -> dict[str, Any]:
    try:
        return refuse_nul(nest_query(text))
    except BracketKeyError as exc:
        raise ParseError(
            _("The form field name “%(name)s” is not valid bracket notation.") % {"name": exc}
        ) from exc


def refuse_nul(data: Any) -> Any:
    """PostgreSQL cannot store a NUL character in text or JSON; say so instead of failing."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ParseError(_("The request contains a NUL character, which cannot be stored."))
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return data


def _read(stream) -> bytes:
    body = stream.read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    if len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge()
    return body


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(_("The request body is not UTF-8 text.")) from exc


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    value = int(text)  # ValueError beyond Python's 4300 digits
    if abs(value) > LARGEST_NUMBER:
        raise ValueError(f"{text[:30]}… is too large a number (at most ±{LARGEST_NUMBER})")
    return value


def _real(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > LARGEST_NUMBER:
        raise ValueError(f"{text[:30]} is too large a number (at most ±{LARGEST_NUMBER})")
    return value


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def _depth_within(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest at most `limit` deep: checked before parsing,
    because the parser itself recurses once per level."""
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return False
    return True


def _json(text: str) -> Any:
    if not _depth_within(text, MAX_DEPTH):
        raise ParseError(
            _("The request body is nested more than %(levels)s levels deep.")
            % {"levels": MAX_DEPTH}
        )
    try:
        data = json.loads(text, parse_constant=_no_constants, parse_int=_integer, parse_float=_real)
    except ValueError as exc:
        message = _("The request body is not valid JSON: %(error)s") % {"error": exc}
        raise ParseError(message) from exc
    return refuse_nul(data)


class StatuspageJSONParser(JSONParser):
    """DRF's JSON parser with our wording for malformed JSON."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        if stream is None:
            return {}
        return _json(_text(_read(stream)))


class BracketFormParser(FormParser):
    """application/x-www-form-urlencoded with Rails bracket keys, as nested dicts and lists."""

    # Nested dicts and lists, not the flat QueryDict the stubs expect of a FormParser.
    def parse(self, stream, media_type=None, parser_context=None) -> dict[str, Any]:  # type: ignore[override]
        if stream is None:
            return {}
        return _form(_text(_read(stream)))


class SniffingParser(BaseParser):
    """Any other or missing Content-Type: JSON if it starts like JSON, else a form."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        if stream is None:
            return {}
        text = _text(_read(stream)).strip()
        if not text:
            return {}
        if text[0] in "{[":
            return _json(text)
        return _form(text)
