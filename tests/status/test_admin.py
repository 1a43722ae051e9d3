"""The operator's console, driven through the test client as an operator would drive it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import (
    AlternativeChannel,
    Component,
    Function,
    Incident,
    IncidentTemplate,
    Page,
    StatusChange,
)
from tests.status.admin_forms import ADD, change_form, errors_of, incident_form


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage()


def test_an_operator_opens_an_incident_with_components_on_one_screen(operator_client, components):
    response = operator_client.post(
        ADD,
        incident_form(
            **{
                f"component_{components['disbursement'].pk}": "major_outage",
                f"component_{components['limit'].pk}": "degraded_performance",
            }
        ),
    )
    assert response.status_code == 302, errors_of(response)
    incident = Incident.objects.get()
    assert incident.impact == "critical"
    update = incident.updates.get()
    assert update.author.username == "olga"
    assert update.body == "Payouts are failing."
    assert {c.pk for c in incident.components.all()} == {
        components["disbursement"].pk,
        components["limit"].pk,
    }
    assert Component.objects.get(pk=components["limit"].pk).status == "degraded_performance"
    assert StatusChange.objects.count() == 2


def test_anonymous_visitors_are_sent_to_log_in(client, components):
    response = client.get(ADD)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.post(ADD, incident_form()).status_code == 302
    assert not Incident.objects.exists()


def test_staff_who_are_not_operators_cannot_post(outsider, components):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(outsider)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, incident_form()).status_code == 403
    assert not Incident.objects.exists()


def test_the_operator_group_can_do_its_job_and_no_more(operator):
    assert operator.has_perm("status.add_incident")
    assert operator.has_perm("status.change_component")
    assert operator.has_perm("status.view_statuschange")
    assert not operator.has_perm("status.change_statuschange")
    assert not operator.has_perm("status.delete_statuschange")
    assert not operator.has_perm("auth.add_user")
    assert not operator.has_perm("status.add_page")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"message_zh_hans": ""}, "message_zh_hans", "Write a message"),
        ({"message_zh_hans": "   "}, "message_zh_hans", "Write a message"),
        # A maintenance's status on an incident's screen: not among its choices.
        ({"update_status": "in_progress"}, "update_status", "Select a valid choice"),
        (
            {
                "kind": "maintenance",
                "update_status": "scheduled",
                "scheduled_for_0": "2030-01-02",
                "scheduled_for_1": "04:00",
                "scheduled_until_0": "2030-01-02",
                "scheduled_until_1": "02:00",
            },
            "scheduled_until",
            "must end after it starts",
        ),
        ({"name_zh_hans": ""}, "name_zh_hans", "required"),
    ],
)
def test_invalid_incidents_get_clear_messages_and_change_nothing(
    operator_client, components, overrides, field, message
):
    response = operator_client.post(ADD, incident_form(**overrides))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors
    assert message in str(form.errors[field])
    assert not Incident.objects.exists()


def test_an_operator_schedules_maintenance(operator_client, components):
    start = timezone.localtime() + timedelta(days=2)
    response = operator_client.post(
        ADD,
        incident_form(
            kind="maintenance",
            name="Credit system upgrade",
            update_status="scheduled",
            message="Planned work.",
            scheduled_for_0=start.strftime("%Y-%m-%d"),
            scheduled_for_1="02:00",
            scheduled_until_0=start.strftime("%Y-%m-%d"),
            scheduled_until_1="04:00",
            scheduled_auto_in_progress="on",
            scheduled_auto_completed="on",
            **{f"component_{components['credit'].pk}": "operational"},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    maintenance = Incident.objects.get()
    assert maintenance.kind == "maintenance"
    assert maintenance.status == "scheduled"
    assert maintenance.scheduled_auto_in_progress
    assert list(maintenance.components.all()) == [components["credit"]]


def test_a_template_prefills_the_form(operator_client, components):
    template = IncidentTemplate.objects.create(
        name="Limit timeouts",
        title_zh_hans="额度分配缓慢",
        title_en="Limit allocation is slow",
        body_zh_hans="部分额度需要更长时间。",
        body_en="Some limits take longer.",
        cause_note_en="A partner's system is slow.",
        reassurances=["funds_safe"],
        update_status="identified",
        component_status="degraded_performance",
    )
    template.components.add(components["limit"])
    response = operator_client.get(f"{ADD}?template={template.pk}")
    form = response.context["adminform"].form
    assert form.initial["name_zh_hans"] == "额度分配缓慢"
    assert form.initial["name_en"] == "Limit allocation is slow"
    assert form.initial["message_zh_hans"] == "部分额度需要更长时间。"
    assert form.initial["message_en"] == "Some limits take longer."
    assert form.initial["cause_note_zh_hans"] == ""
    assert form.initial["cause_note_en"] == "A partner's system is slow."
    assert form.initial["reassurances"] == ["funds_safe"]
    assert form.initial["update_status"] == "identified"
    assert form.initial[f"component_{components['limit'].pk}"] == "degraded_performance"
    assert b"Limit timeouts" in operator_client.get(ADD).content


def test_an_operator_posts_an_update_with_a_status_change(operator_client, outage, components):
    url = f"/admin/status/incident/{outage.pk}/change/"
    response = operator_client.post(
        url,
        change_form(
            outage,
            update_status="monitoring",
            message_zh_hans="已修复，观察中。",
            message_en="Fix deployed, watching.",
            **{f"component_{components['disbursement'].pk}": "degraded_performance"},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    outage.refresh_from_db()
    assert outage.status == "monitoring"
    assert outage.updates.count() == 2
    assert outage.updates.first().body == "Fix deployed, watching."
    assert Component.objects.get(pk=components["disbursement"].pk).status == "degraded_performance"


def test_saving_without_a_message_changes_only_the_incident_fields(operator_client, outage):
    url = f"/admin/status/incident/{outage.pk}/change/"
    response = operator_client.post(url, change_form(outage, name_en="Payouts failing"))
    assert response.status_code == 302, errors_of(response)
    outage.refresh_from_db()
    assert outage.name_en == "Payouts failing"
    assert outage.updates.count() == 1


def test_a_status_change_needs_a_message(operator_client, outage):
    url = f"/admin/status/incident/{outage.pk}/change/"
    response = operator_client.post(url, change_form(outage, update_status="identified"))
    assert response.status_code == 200
    assert "Write a message" in errors_of(response)
    assert Incident.objects.get().status == "investigating"


def test_a_resolved_incident_needs_reopening_before_an_update(operator_client, outage):
    services.resolve(outage)
    url = f"/admin/status/incident/{outage.pk}/change/"
    response = operator_client.post(
        url, change_form(outage, update_status="investigating", message_zh_hans="又出现了。")
    )
    assert response.status_code == 200
    assert "Reopen it" in errors_of(response)
    assert outage.updates.count() == 2

    response = operator_client.post(
        url,
        change_form(
            outage, update_status="investigating", message_zh_hans="又出现了。", reopen="on"
        ),
    )
    assert response.status_code == 302, errors_of(response)
    assert Incident.objects.get().status == "investigating"


def test_updates_are_listed_newest_first_on_the_incident(operator_client, outage):
    services.post_update(outage, status="identified", body="Second.")
    body = operator_client.get(f"/admin/status/incident/{outage.pk}/change/").content.decode()
    assert body.index("Second.") < body.index("Payouts are failing.")


def test_correcting_an_update_text_goes_through_the_service(operator_client, outage):
    url = f"/admin/status/incident/{outage.pk}/change/"
    response = operator_client.post(
        url, change_form(outage, **{"updates-0-body_en": "Payouts fail."})
    )
    assert response.status_code == 302, errors_of(response)
    assert outage.updates.get().body_en == "Payouts fail."
    assert outage.updates.get().body_zh_hans == "Payouts are failing."  # the default's, kept


def test_resolve_is_one_action(operator_client, outage, components):
    response = operator_client.post(
        "/admin/status/incident/",
        {"action": "resolve_selected", "_selected_action": [outage.pk]},
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == "resolved"
    assert Component.objects.get(pk=components["disbursement"].pk).status == "operational"


def test_operators_reorder_components_from_the_list(operator_client, components):
    ids = [components[k].pk for k in ("identity", "credit", "limit", "disbursement", "app")]
    data = {
        "form-TOTAL_FORMS": "5",
        "form-INITIAL_FORMS": "5",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for n, pk in enumerate(ids):
        component = Component.objects.get(pk=pk)
        data.update(
            {
                f"form-{n}-id": pk,
                f"form-{n}-position": str(len(ids) - n),
                f"form-{n}-status": component.status,
            }
        )
    response = operator_client.post("/admin/status/component/", data)
    assert response.status_code == 302
    assert list(Component.objects.values_list("pk", flat=True)) == list(reversed(ids))


def test_a_component_page_shows_its_status_history(operator_client, outage, components):
    body = operator_client.get(
        f"/admin/status/component/{components['disbursement'].pk}/change/"
    ).content.decode()
    assert "Major outage" in body
    assert "All changes" in body
    history = operator_client.get(
        f"/admin/status/statuschange/?component__id__exact={components['disbursement'].pk}"
    )
    assert history.status_code == 200
    assert b"major_outage" in history.content or b"Major outage" in history.content


def test_status_changes_cannot_be_edited_even_by_operators(operator_client, outage):
    change = StatusChange.objects.get()
    response = operator_client.post(f"/admin/status/statuschange/{change.pk}/change/", {})
    assert response.status_code in (302, 403)
    assert StatusChange.objects.get().new_status == "major_outage"


@pytest.fixture
def hotline() -> AlternativeChannel:
    return services.save_channel(
        AlternativeChannel(
            label_zh_hans="客服热线", label_en="Customer hotline", phone="4008888888"
        )
    )


@pytest.fixture
def borrowing_function(components) -> Function:
    return services.save_function(
        Function(name_zh_hans="借款", name_en="Borrowing"), [components["disbursement"]]
    )


def test_an_incident_says_what_borrowers_need_channels_reassurances_and_function_states(
    operator_client, components, hotline, borrowing_function
):
    response = operator_client.post(
        ADD,
        incident_form(
            cause_note_zh_hans="合作银行系统故障。",
            cause_note_en="Our partner bank's system is down.",
            channels=[hotline.pk],
            reassurances=["funds_safe", "no_late_fee"],
            **{f"function_{borrowing_function.pk}": "unavailable"},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    incident = Incident.objects.get()
    assert list(incident.channels.all()) == [hotline]
    assert incident.reassurances == ["funds_safe", "no_late_fee"]
    assert incident.function_states == {borrowing_function.pk: "unavailable"}
    assert incident.cause_note_zh_hans == "合作银行系统故障。"
    assert incident.cause_note_en == "Our partner bank's system is down."

    # Back to "derived from its components", and the channel taken away.
    response = operator_client.post(
        f"/admin/status/incident/{incident.pk}/change/",
        change_form(incident, channels=[], **{f"function_{borrowing_function.pk}": ""}),
    )
    assert response.status_code == 302, errors_of(response)
    incident.refresh_from_db()
    assert incident.function_states == {}
    assert not incident.channels.exists()


def test_the_change_form_shows_the_incident_s_function_states_and_channels(
    operator_client, open_outage, hotline, borrowing_function
):
    outage = open_outage(function_states={borrowing_function.pk: "slow"})
    outage.channels.add(hotline)
    form = (
        operator_client.get(f"/admin/status/incident/{outage.pk}/change/").context["adminform"].form
    )
    assert form[f"function_{borrowing_function.pk}"].value() == "slow"
    assert [getattr(c, "pk", c) for c in form["channels"].value()] == [hotline.pk]


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (
            {"expected_recovery_at_0": "2020-01-01", "expected_recovery_at_1": "10:00"},
            "expected_recovery_at",
            "cannot be before the incident began",
        ),
        (
            {"next_update_by_0": "2020-01-01", "next_update_by_1": "10:00"},
            "next_update_by",
            "still ahead",
        ),
        (
            {"expected_recovery_at_0": "2030-02-30", "expected_recovery_at_1": "10:00"},
            "expected_recovery_at",
            "valid date",
        ),
        (
            {"reassurances": ["free_money"]},
            "reassurances",
            "valid choice",
        ),
    ],
)
def test_a_new_incident_with_a_bad_promise_is_refused_and_nothing_is_written(
    operator_client, components, typed, field, message
):
    response = operator_client.post(ADD, incident_form(**typed))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in str(errors[field])
    assert not Incident.objects.exists()
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (
            {"expected_recovery_at_0": "2020-01-01", "expected_recovery_at_1": "10:00"},
            "expected_recovery_at",
            "cannot be before the incident began",
        ),
        (
            {
                "message_zh_hans": "正在处理。",
                "next_update_by_0": "2020-01-01",
                "next_update_by_1": "10:00",
            },
            "next_update_by",
            "still ahead",
        ),
        (
            {"next_update_by_0": "2030-01-01", "next_update_by_1": "10:00"},
            "message_zh_hans",
            "Write a message",
        ),
    ],
)
def test_an_edit_with_a_bad_promise_is_refused_and_nothing_is_written(
    operator_client, outage, typed, field, message
):
    before = Incident.objects.filter(pk=outage.pk).values().get()
    response = operator_client.post(
        f"/admin/status/incident/{outage.pk}/change/", change_form(outage, **typed)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in str(errors[field])
    assert Incident.objects.filter(pk=outage.pk).values().get() == before
    assert outage.updates.count() == 1


CHANNELS = "/admin/status/alternativechannel/"


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({}, "url", "Give a link or a phone number"),
        ({"phone": "call us maybe"}, "phone", "Enter a valid phone number"),
        ({"phone": "123"}, "phone", "Enter a valid phone number"),
        ({"url": "not a link"}, "url", "Enter a valid URL"),
        ({"label_zh_hans": "", "url": "https://m.example.com"}, "label_zh_hans", "required"),
    ],
)
def test_a_bad_channel_is_refused_with_a_clear_error(operator_client, typed, field, message):
    data = {"label_zh_hans": "小程序", "label_en": "Mini-program", "url": "", "phone": "",
            "position": "0", **typed}  # fmt: skip
    response = operator_client.post(f"{CHANNELS}add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in str(errors[field])
    assert not AlternativeChannel.objects.exists()


def test_an_operator_adds_a_channel_with_a_phone_number(operator_client):
    version = Page.get().version
    response = operator_client.post(
        f"{CHANNELS}add/",
        {"label_zh_hans": "客服热线", "label_en": "", "url": "", "phone": "400 888 8888",
         "position": "1"},
    )  # fmt: skip
    assert response.status_code == 302, errors_of(response)
    channel = AlternativeChannel.objects.get()
    assert channel.phone.as_e164 == "+864008888888"
    assert channel.label_zh_hans == "客服热线"
    assert channel.label_en in ("", None)  # falls back to the default language
    assert Page.get().version > version  # the page shows channels: it re-renders


def test_an_operator_defines_a_function_by_its_components(operator_client, components):
    response = operator_client.post(
        "/admin/status/function/add/",
        {
            "name_zh_hans": "借款",
            "name_en": "Borrowing",
            "components": [components["credit"].pk, components["disbursement"].pk],
            "position": "0",
        },
    )
    assert response.status_code == 302, errors_of(response)
    function = Function.objects.get()
    assert (function.name_zh_hans, function.name_en) == ("借款", "Borrowing")
    assert set(function.components.all()) == {components["credit"], components["disbursement"]}
    listing = operator_client.get("/admin/status/function/").text
    assert "Borrowing window - Disbursement" in listing


def test_operators_may_manage_functions_and_channels(operator):
    for action in ("view", "add", "change", "delete"):
        assert operator.has_perm(f"status.{action}_function")
        assert operator.has_perm(f"status.{action}_alternativechannel")


def test_deleting_a_channel_goes_through_the_service(operator_client, hotline):
    version = Page.get().version
    response = operator_client.post(f"{CHANNELS}{hotline.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AlternativeChannel.objects.exists()
    assert Page.get().version > version


@pytest.mark.parametrize(
    "model", ["incident", "incidenttemplate", "recurringmaintenance", "function",
              "alternativechannel", "statuschange", "component"],
)  # fmt: skip
def test_every_console_page_of_the_message_model_opens(
    operator_client, outage, hotline, borrowing_function, model
):
    assert operator_client.get(f"/admin/status/{model}/").status_code == 200
    if model != "statuschange":
        assert operator_client.get(f"/admin/status/{model}/add/").status_code == 200
    for pk in (outage.pk, hotline.pk, borrowing_function.pk):
        response = operator_client.get(f"/admin/status/{model}/{pk}/change/")
        assert response.status_code in (200, 302)  # 302: not an object of this model
