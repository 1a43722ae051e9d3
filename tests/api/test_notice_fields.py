"""/v1 incidents carry the structured notice as written: cause note, reassurance codes, function
states, alternative channels by id, expected recovery and the next update's promise. Bad input
is a 422 naming the field, and nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from statuspage.lib.timestamps import statuspage_time
from statuspage.notify.models import Notice
from statuspage.status.models import (
    AlternativeChannel,
    Function,
    Incident,
    IncidentUpdate,
    Page,
    StatusChange,
)


@pytest.fixture
def borrow(components) -> Function:
    function = Function.objects.create(name_zh_hans="借款", name_en="Borrowing")
    function.components.set([components["disbursement"]])
    return function


@pytest.fixture
def hotline(db) -> AlternativeChannel:
    return AlternativeChannel.objects.create(
        label_zh_hans="客服热线", label_en="Hotline", phone="400 888 8888"
    )


@pytest.fixture
def mini_program(db) -> AlternativeChannel:
    return AlternativeChannel.objects.create(
        label_zh_hans="微信小程序", label_en="Mini-program", url="https://mp.example.com/"
    )


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def later(**delta: float) -> datetime:
    return (timezone.now() + timedelta(**delta)).replace(microsecond=0)


def test_the_structured_notice_is_written_and_read_back(
    api, components, borrow, hotline, mini_program
):
    recovery, next_update = later(hours=2), later(minutes=30)
    response = api.post(
        "incidents",
        {
            "incident": {
                "name": "放款失败",
                "body": "放款暂时失败。",
                "cause": "third_party",
                "cause_note": "合作银行接口超时。",
                "reassurances": ["funds_safe", "no_late_fee"],
                "function_states": {borrow.pk: "unavailable"},
                "channel_ids": [mini_program.pk, hotline.pk],
                "expected_recovery_at": iso(recovery),
                "next_update_by": iso(next_update),
                "components": {components["disbursement"].id: "degraded_performance"},
            }
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    zone = Page.get().zone
    assert created["cause"] == "third_party"
    assert created["cause_note"] == "合作银行接口超时。"
    assert created["reassurances"] == ["funds_safe", "no_late_fee"]
    assert created["function_states"] == {borrow.pk: "unavailable"}
    # the page's order of channels (position, then age), whatever order they were given in
    assert created["channel_ids"] == [hotline.pk, mini_program.pk]
    assert created["expected_recovery_at"] == statuspage_time(recovery, zone)
    assert created["next_update_by"] == statuspage_time(next_update, zone)
    assert created["incident_updates"][0]["next_update_by"] == statuspage_time(next_update, zone)
    assert "alternative_channel" not in created
    assert api.get(f"incidents/{created['id']}").json() == created

    # the notice subscribers get says the same (the widget, page and app read it too)
    notice = Notice.objects.get(incident_id=created["id"]).payload["notice"]
    assert notice["functions"] == {borrow.pk: "unavailable"}
    assert [c["label"] for c in notice["channels"]] == ["客服热线", "微信小程序"]


def test_a_patch_changes_the_structured_fields_it_gives(api, components, borrow, hotline):
    created = api.post(
        "incidents", {"incident": {"name": "放款失败", "channel_ids": [hotline.pk]}}
    ).json()
    response = api.patch(
        f"incidents/{created['id']}",
        {
            "incident": {
                "reassurances": ["applications_kept"],
                "function_states": {borrow.pk: "slow"},
                "channel_ids": [],
            }
        },
    )
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["reassurances"] == ["applications_kept"]
    assert patched["function_states"] == {borrow.pk: "slow"}
    assert patched["channel_ids"] == []
    assert len(patched["incident_updates"]) == 1

    next_update = later(hours=1)
    response = api.patch(
        f"incidents/{created['id']}",
        {"incident": {"body": "仍在处理。", "next_update_by": iso(next_update)}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["next_update_by"] == statuspage_time(next_update, Page.get().zone)


INCIDENT_COLUMNS = (
    "pk", "status", "name_zh_hans", "name_en", "reassurances", "function_states",
    "expected_recovery_at", "cause_note_zh_hans",
)  # fmt: skip


def snapshot() -> dict:
    return {
        "incidents": list(Incident.objects.values_list(*INCIDENT_COLUMNS)),
        "channels": list(Incident.channels.through.objects.values_list("incident_id", "pk")),
        "updates": list(IncidentUpdate.objects.values_list("pk", "body_zh_hans", "body_en")),
        "changes": StatusChange.objects.count(),
        "notices": Notice.objects.count(),
        "version": Page.objects.get().version,
    }


@pytest.fixture
def opened(api, components, hotline) -> dict:
    started = timezone.now() - timedelta(hours=1)
    response = api.post(
        "incidents",
        {
            "incident": {
                "name": "放款失败",
                "body": "放款暂时失败。",
                "channel_ids": [hotline.pk],
                "components": {components["disbursement"].id: "major_outage"},
            }
        },
    )
    Incident.objects.filter(pk=response.json()["id"]).update(started_at=started)
    return response.json()


BAD_INPUT = {
    "an unknown language": (
        {"name": "x", "translations": {"fr": {"name": "Panne"}}},
        "translations.fr",
        "Unknown language: fr",
    ),
    "the default language as a translation": (
        {"name": "x", "translations": {"zh-hans": {"name": "y"}}},
        "translations.zh-hans",
        "default language",
    ),
    "an unknown key in a translation": (
        {"name": "x", "translations": {"en": {"title": "Down"}}},
        "translations.en.title",
        "Unknown field",
    ),
    "translations that are not an object": (
        {"name": "x", "translations": ["en"]},
        "translations",
        "object",
    ),
    "a translation that is not text": (
        {"name": "x", "translations": {"en": {"name": 5}}},
        "translations.en.name",
        "Expected text",
    ),
    "a translated message without the default language's": (
        {"name": "x", "translations": {"en": {"body": "Down."}}},
        "body",
        "default language",
    ),
    "an unknown reassurance": (
        {"name": "x", "reassurances": ["free_money"]},
        "reassurances",
        "Unknown reassurance: free_money",
    ),
    "an unknown function": (
        {"name": "x", "function_states": {"nope": "works"}},
        "function_states",
        "Unknown function: nope",
    ),
    "an unknown function state": (
        {"name": "x", "function_states": {"{borrow}": "sleepy"}},
        "function_states",
        "Unknown function state: sleepy",
    ),
    "an unknown channel": (
        {"name": "x", "channel_ids": [987654]},
        "channel_ids",
        "No alternative channel has the id 987654",
    ),
    "a recovery before the incident began": (
        {"name": "x", "expected_recovery_at": "2001-01-01T00:00:00Z"},
        "expected_recovery_at",
        "before the incident began",
    ),
    "a next update by in the past": (
        {"name": "x", "next_update_by": "2001-01-01T00:00:00Z"},
        "next_update_by",
        "still ahead",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_structured_input_on_create_is_a_422_naming_the_field(
    api, components, borrow, opened, case
):
    fields, field, words = BAD_INPUT[case]
    if "function_states" in fields:
        states = fields["function_states"]
        fields = {
            **fields,
            "function_states": {k.format(borrow=borrow.pk): v for k, v in states.items()},
        }
    before = snapshot()
    response = api.post("incidents", {"incident": fields})
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert snapshot() == before


PATCHES = {
    "an unknown language": ({"translations": {"fr": {"name": "Panne"}}}, "translations.fr"),
    "an unknown reassurance": ({"reassurances": ["free_money"]}, "reassurances"),
    "an unknown function": ({"function_states": {"nope": "works"}}, "function_states"),
    "an unknown channel": ({"channel_ids": [987654]}, "channel_ids"),
    "a recovery before the incident began": (
        {"expected_recovery_at": iso(datetime(2001, 1, 1, tzinfo=UTC))},
        "expected_recovery_at",
    ),
    "a next update by in the past": (
        {"body": "仍在处理。", "next_update_by": iso(datetime(2001, 1, 1, tzinfo=UTC))},
        "next_update_by",
    ),
    "a next update by without an update": (
        {"next_update_by": "2999-01-01T00:00:00Z"},
        "next_update_by",
    ),
    "a blank name in the default language": ({"name": ""}, "name"),
}


@pytest.mark.parametrize("case", list(PATCHES))
def test_bad_structured_input_on_patch_is_a_422_and_changes_nothing(api, opened, case):
    fields, field = PATCHES[case]
    before = snapshot()
    response = api.patch(f"incidents/{opened['id']}", {"incident": fields})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert snapshot() == before


def test_a_recovery_an_hour_after_the_start_but_in_the_past_is_accepted(api, opened):
    """The rule is "not before the incident began", not "in the future": an operator may
    record when it was expected after the fact."""
    recovery = timezone.now() - timedelta(minutes=30)
    response = api.patch(
        f"incidents/{opened['id']}", {"incident": {"expected_recovery_at": iso(recovery)}}
    )
    assert response.status_code == 200, response.content


def test_a_model_error_in_another_language_names_the_translation(api, components):
    """The model's own errors name their columns (`name_en`); the API names its fields."""
    response = api.post(
        "incidents",
        {"incident": {"name": "放款失败", "translations": {"en": {"name": "Line\nbreak"}}}},
    )
    assert response.status_code == 422, response.content
    assert "translations.en.name" in response.json()["errors"]
    assert not any("_en" in key or "zh_hans" in key for key in response.json()["errors"])
