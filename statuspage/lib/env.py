"""Strict readers for settings that come from the environment.

Every setting is read once, in settings.py, through one of these. A value that does not parse
stops start-up with a message that names the variable, so a typo in a deployment never turns
silently into a default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


class SettingError(Exception):
    """A variable in the environment has a value we cannot use."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"{name}={value!r} is not valid: expected {expected}.")
        self.name = name


def _read(name: str, default: T, parse: Callable[[str], T], expected: str) -> T:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return parse(raw.strip())
    except (TypeError, ValueError) as exc:
        raise SettingError(name, raw, expected) from exc


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(raw)


def env_bool(name: str, default: bool) -> bool:
    return _read(name, default, _parse_bool, "one of true/false, yes/no, on/off, 1/0")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    def parse(raw: str) -> int:
        value = int(raw)
        if minimum is not None and value < minimum:
            raise ValueError(raw)
        if maximum is not None and value > maximum:
            raise ValueError(raw)
        return value

    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum}")
    if maximum is not None:
        bounds.append(f"<= {maximum}")
    return _read(
        name, default, parse, "an integer" + (f" {' and '.join(bounds)}" if bounds else "")
    )


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    def parse(raw: str) -> float:
        value = float(raw)
        if value != value or (minimum is not None and value < minimum):  # NaN or too small
            raise ValueError(raw)
        return value

    return _read(
        name, default, parse, "a number" + (f" >= {minimum}" if minimum is not None else "")
    )


def env_str(name: str, default: str) -> str:
    return _read(name, default, str, "a string")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(raw)
        return raw

    return _read(name, default, parse, "one of " + ", ".join(choices))


def env_list(name: str, default: list[str]) -> list[str]:
    return _read(
        name, default, lambda raw: [p.strip() for p in raw.split(",") if p.strip()], "a list"
    )


_RATE = re.compile(r"([0-9]+)/([0-9]*)([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit such as `20/h` or `5/10m`, as (requests, seconds).

    django-ratelimit reads "20/week" as twenty a second (an unknown unit is ignored), so rates
    are checked here and handed to it already split."""

    def parse(raw: str) -> tuple[int, int]:
        match = _RATE.fullmatch(raw)
        if match is None or int(match[1]) < 1 or (match[2] and int(match[2]) < 1):
            raise ValueError(raw)
        return int(match[1]), int(match[2] or 1) * _SECONDS[match[3]]

    return _read(name, parse(default), parse, "a rate such as 20/h or 5/10m (units s, m, h, d)")


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            raise ValueError(raw)
        return raw

    return _read(
        name, default, parse, "a URL starting with " + " or ".join(f"{s}://" for s in schemes)
    )


def env_database(name: str, default: str) -> dict:
    """A database URL (postgres://…, sqlite:///…) as a Django DATABASES entry."""
    import environ

    def parse(raw: str) -> dict:
        if not raw.startswith(("postgres://", "postgresql://", "sqlite://")):
            raise ValueError(raw)
        try:
            return environ.Env.db_url_config(raw)
        except Exception as exc:  # environ raises a variety of errors for malformed URLs
            raise ValueError(raw) from exc

    return _read(name, parse(default), parse, "postgres://user@host:port/name or sqlite:////path")


def env_email(name: str, default: str) -> dict:
    """An email URL (smtp://, smtp+tls://, smtp+ssl://, consolemail://, …) as EMAIL_* settings."""
    import environ

    def parse(raw: str) -> dict:
        try:
            return environ.Env.email_url_config(raw)
        except Exception as exc:
            raise ValueError(raw) from exc

    return _read(name, parse(default), parse, "smtp://user:password@host:port or consolemail://")
