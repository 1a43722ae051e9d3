"""The small world every test lives in: a page, a lending service's components, an operator,
a staff member who is not an operator, and a visitor. Real database, real Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import translation

from statuspage.lib.embedded_redis import EmbeddedRedis
from statuspage.lib.redis import redis_client
from statuspage.readpath.cache import cache_redis, responses
from statuspage.status import pageversion, services
from statuspage.status.models import (
    AlternativeChannel,
    Component,
    ComponentGroup,
    Incident,
    IncidentKind,
)
from statuspage.status.translation import Text, set_texts

pytest_plugins = ["tests.peers"]


@pytest.fixture(scope="session", autouse=True)
def redis_server() -> Iterator[None]:
    """The embedded Redis when REDIS_URL is unset (make test on a fresh machine)."""
    server = (
        EmbeddedRedis(settings.EMBEDDED_REDIS_SOCKET).start() if settings.EMBEDDED_REDIS else None
    )
    yield
    if server is not None:
        server.stop()


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Each test starts with empty caches: the database is rolled back between tests, so a
    version number cached by an earlier test would otherwise point at another test's page."""
    redis_client().flushdb()
    cache_redis().flushdb()
    responses.clear()
    pageversion.forget()
    translation.activate("en")  # messages in assertions read in English
    yield
    responses.clear()
    pageversion.forget()
    translation.deactivate()  # requests leave their language active


@pytest.fixture(autouse=True)
def quick_password_hashing(settings) -> None:
    """Users are made for nearly every test; the production hasher costs ~0.3 s a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit hooks as a real commit would (tests run inside a transaction)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """Sets the time the code under test reads (Python's clocks, not the database's).

    `clock(moment)` jumps there and lets time run on from it; call it again to jump again."""
    travellers: list[time_machine.travel] = []

    def set_to(moment: datetime) -> None:
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield set_to
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def one_window() -> Iterator[None]:
    """Holds Python's clock still for a test that fills a rate limit's window and expects the
    next request refused. The windows are fixed (django-ratelimit's and our caps reset at the
    window's edge), so a test that ran across an edge would see its counts start again: about
    once in (window ÷ test's length) runs, 1 in 600 for a 10-minute window."""
    with time_machine.travel(datetime.now(UTC), tick=False):
        yield


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """Run `fn` as if committed, with every task it queues run at once, as a worker would."""
    monkeypatch.setattr("statuspage.celery.enqueue", lambda task, *args: task(*args))

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def client() -> Client:
    """A visitor whose browser asks for English, so assertions read in English (tests of the
    Chinese page ask for it explicitly)."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def borrowing(db) -> ComponentGroup:
    return services.save_group(
        ComponentGroup(name_en="Borrowing window", name_zh_hans="借款窗口", position=0)
    )


@pytest.fixture
def components(borrowing) -> dict[str, Component]:
    names = [
        ("identity", "Identity verification", "身份验证"),
        ("credit", "Credit assessment", "信用评估"),
        ("limit", "Limit allocation", "额度分配"),
        ("disbursement", "Disbursement", "放款"),
    ]
    made = {
        key: services.save_component(
            Component(name_en=en, name_zh_hans=zh, group=borrowing, position=n)
        )
        for n, (key, en, zh) in enumerate(names)
    }
    made["app"] = services.save_component(Component(name_en="App", name_zh_hans="App", position=5))
    return made


@pytest.fixture
def operator(db) -> User:
    user = User.objects.create_user("olga", password="operator-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Operator"))
    return user


@pytest.fixture
def outsider(db) -> User:
    """Staff, but not an operator: can sign in to the admin and do nothing there."""
    return User.objects.create_user("sam", password="outsider-password-1", is_staff=True)


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(operator)
    return client


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """For tests that call the real WSGI handler: it closes database connections around each
    request, which inside a test transaction would close the test's own (Django's test client
    disconnects the same receivers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def open_outage(components, django_capture_on_commit_callbacks) -> Callable[..., Incident]:
    """Opens an incident in the small world; by default disbursement is down.

    `down` maps component keys to their new statuses; other keyword arguments are the
    incident's own fields. `committed=True` runs the on-commit hooks (render on write, the
    fan-out's dispatch) as a real commit would; tests run inside a transaction otherwise."""

    def open_(
        name: Text = "Disbursement failing",
        *,
        body: Text = "Payouts are failing.",
        down: dict[str, str] | None = None,
        notify: bool = True,
        committed: bool = False,
        channels: Iterable[AlternativeChannel] = (),
        next_update_by: datetime | None = None,
        **fields: Any,
    ) -> Incident:
        """`name` and `body` are a text or {language: text} (see status.translation)."""
        statuses = {
            components[key]: status
            for key, status in (down or {"disbursement": "major_outage"}).items()
        }
        cause_note = fields.pop("cause_note", "")
        incident = Incident(**fields)
        set_texts(incident, "name", name)
        set_texts(incident, "cause_note", cause_note)
        with django_capture_on_commit_callbacks(execute=committed):
            return services.open_incident(
                incident,
                body=body,
                component_statuses=statuses,
                channels=channels,
                next_update_by=next_update_by,
                notify=notify,
            )

    return open_


@pytest.fixture
def schedule_maintenance(components, django_capture_on_commit_callbacks) -> Callable[..., Incident]:
    """Schedules maintenance of credit assessment (by default) from `starts`, `hours` long."""

    def schedule(
        name: str,
        starts: datetime,
        *,
        hours: float = 2,
        body: str = "",
        affected: tuple[str, ...] = ("credit",),
        committed: bool = False,
        **fields: Any,
    ) -> Incident:
        with django_capture_on_commit_callbacks(execute=committed):
            return services.open_incident(
                Incident(
                    kind=IncidentKind.MAINTENANCE,
                    name=name,
                    scheduled_for=starts,
                    scheduled_until=starts + timedelta(hours=hours),
                    **fields,
                ),
                body=body or f"{name}: planned.",
                affected=[components[key] for key in affected],
            )

    return schedule
