"""The lending world's functions and alternative channels, in both languages, for the tests of
what visitors read (the structured notice: statuspage/status/notice.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from statuspage.status import services
from statuspage.status.models import AlternativeChannel, Component, Function, Incident
from tests.public.browsing import chromium  # noqa: F401 (Chromium for the browser tests)


def _function(name_zh: str, name_en: str, position: int, *depends_on: Component) -> Function:
    function = Function(name_zh_hans=name_zh, name_en=name_en, position=position)
    function.full_clean()
    function.save()
    function.components.set(depends_on)
    return function


@pytest.fixture
def functions(components) -> dict[str, Function]:
    """Borrowing needs credit assessment and disbursement; repaying needs the app; raising
    the limit needs limit allocation."""
    return {
        "borrow": _function(
            "借款", "Borrowing", 0, components["credit"], components["disbursement"]
        ),
        "repay": _function("还款", "Repayment", 1, components["app"]),
        "raise": _function("提额", "Raising the limit", 2, components["limit"]),
    }


def _channel(position: int, **fields: Any) -> AlternativeChannel:
    channel = AlternativeChannel(position=position, **fields)
    channel.full_clean()
    channel.save()
    return channel


@pytest.fixture
def channels(db) -> dict[str, AlternativeChannel]:
    return {
        "mini_program": _channel(
            0,
            label_zh_hans="微信小程序",
            label_en="WeChat mini-program",
            url="https://lender.example/mini",
        ),
        "hotline": _channel(
            1, label_zh_hans="客服热线", label_en="Customer hotline", phone="4008888888"
        ),
    }


@pytest.fixture
def bilingual_outage(
    components, functions, channels, django_capture_on_commit_callbacks
) -> Callable[..., Incident]:
    """Opens "disbursement is down" written in both languages, offering both channels and
    promising the funds are safe and no late fee; `committed=True` as in `open_outage`."""

    def open_(
        *,
        expected_recovery_at: datetime | None = None,
        next_update_by: datetime | None = None,
        committed: bool = True,
        **fields: Any,
    ) -> Incident:
        texts = {
            "name_zh_hans": "放款失败",
            "name_en": "Disbursement failing",
            "cause_note_zh_hans": "合作银行的接口**超时**。",
            "cause_note_en": "The partner bank's gateway **times out**.",
            "cause": "third_party",
            "reassurances": ["funds_safe", "no_late_fee"],
        }
        with django_capture_on_commit_callbacks(execute=committed):
            return services.open_incident(
                Incident(**{**texts, **fields}, expected_recovery_at=expected_recovery_at),
                body={"zh-hans": "放款暂时失败，我们正在处理。", "en": "Payouts are failing."},
                component_statuses={components["disbursement"]: "major_outage"},
                channels=list(channels.values()),
                next_update_by=next_update_by,
            )

    return open_
