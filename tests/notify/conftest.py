from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from statuspage.status import services
from statuspage.status.models import AlternativeChannel, Function, Incident
from statuspage.status.translation import Text, set_texts


@pytest.fixture
def mini_program(db) -> AlternativeChannel:
    channel = AlternativeChannel(
        label_zh_hans="微信小程序",
        label_en="WeChat mini-program",
        url="https://mp.example.com/borrow",
        position=0,
    )
    channel.full_clean()
    channel.save()
    return channel


@pytest.fixture
def hotline(db) -> AlternativeChannel:
    channel = AlternativeChannel(
        label_zh_hans="客服热线",
        label_en="Customer service hotline",
        phone="400 888 8888",
        position=1,
    )
    channel.full_clean()
    channel.save()
    return channel


@pytest.fixture
def functions(components) -> dict[str, Function]:
    """Borrowing depends on disbursement; repaying on the app."""
    borrow = Function.objects.create(name_zh_hans="借款", name_en="Borrowing", position=0)
    borrow.components.set([components["disbursement"]])
    repay = Function.objects.create(name_zh_hans="还款", name_en="Repaying", position=1)
    repay.components.set([components["app"]])
    return {"borrow": borrow, "repay": repay}


@pytest.fixture
def outage(components, mini_program, django_capture_on_commit_callbacks) -> Callable[..., Incident]:
    """Opens disbursement's outage when called, offering the mini-program meanwhile: after the
    test's subscribers have confirmed, so that they are its audience. Texts are `Text`s (a str
    is the default language's); other keyword arguments are the incident's own fields."""

    def open_(
        name: Text = "Disbursement failing",
        *,
        body: Text = "Payouts are failing.",
        cause_note: Text = "",
        channels: tuple[AlternativeChannel, ...] = (mini_program,),
        next_update_by=None,
        committed: bool = False,
        **fields: Any,
    ) -> Incident:
        incident = Incident(**fields)
        set_texts(incident, "name", name)
        set_texts(incident, "cause_note", cause_note)
        with django_capture_on_commit_callbacks(execute=committed):
            return services.open_incident(
                incident,
                body=body,
                component_statuses={components["disbursement"]: "major_outage"},
                channels=channels,
                next_update_by=next_update_by,
            )

    return open_
