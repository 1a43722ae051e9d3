"""One screen per kind: an incident, a maintenance and an announcement are each added on a
screen with only their own fields (the optional ones folded away), a template opens its kind's
screen filled in, and an open incident is closed with one button on its page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import (
    AlternativeChannel,
    Component,
    Function,
    Incident,
    IncidentTemplate,
    StatusChange,
)
from tests.status.admin_forms import ADD, change_form, errors_of, form_controls, typed

# Before: one screen for all three kinds, 32 inputs with this world's five components (24
# before functions and channels came), 30 of them unfolded, 9 of them a maintenance's or an
# announcement's.
WINDOW = {"scheduled_for", "scheduled_until", "scheduled_remind_prior",
          "scheduled_auto_in_progress", "scheduled_auto_completed"}  # fmt: skip


def field_of(control: str) -> str:
    """The form field a control belongs to ("scheduled_for_0" → "scheduled_for")."""
    return control[:-2] if control[-2:] in ("_0", "_1") else control


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


def screen(client: Client, query: str = "") -> tuple[set[str], set[str], int, int]:
    """(fields shown, fields folded away, inputs shown, inputs in all) of an add screen."""
    controls = form_controls(client.get(f"{ADD}{query}").text)
    shown = {field_of(name) for name, unfolded in controls if unfolded}
    folded = {field_of(name) for name, unfolded in controls if not unfolded}
    return shown, folded, sum(unfolded for _, unfolded in controls), len(controls)


def test_an_incident_s_screen_has_the_title_components_and_first_update_and_folds_the_rest(
    operator_client, components, hotline, borrowing_function
):
    shown, folded, inputs, total = screen(operator_client, "?kind=incident")
    print(f"\nincident screen: {inputs} inputs shown, {total} in all")
    component_fields = {f"component_{c.pk}" for c in components.values()}
    assert shown == {"name_zh_hans", "name_en", "update_status", "message_zh_hans",
                     "message_en", "notify", *component_fields}  # fmt: skip
    assert {"cause", "impact_override", "channels", "reassurances", "expected_recovery_at",
            "next_update_by", f"function_{borrowing_function.pk}"} <= folded  # fmt: skip
    assert not (WINDOW | {"expires_at"}) & (shown | folded)
    assert inputs == 11  # 30 before
    assert screen(operator_client)[0] == shown  # the plain add link is the incident's screen


def test_a_maintenance_s_screen_leads_with_its_window_and_has_no_expiry_or_impact(
    operator_client, components, hotline
):
    shown, folded, inputs, total = screen(operator_client, "?kind=maintenance")
    print(f"\nmaintenance screen: {inputs} inputs shown, {total} in all")
    assert shown >= WINDOW
    assert {"name_zh_hans", "message_zh_hans", "update_status"} <= shown
    assert not {"expires_at", "impact_override", "cause", "expected_recovery_at"} & (shown | folded)
    assert inputs <= 18


def test_an_announcement_s_screen_is_a_title_an_expiry_and_a_message(
    operator_client, components, hotline, borrowing_function
):
    shown, folded, inputs, total = screen(operator_client, "?kind=announcement")
    print(f"\nannouncement screen: {inputs} inputs shown, {total} in all")
    assert shown == {"name_zh_hans", "name_en", "expires_at", "message_zh_hans", "message_en",
                     "notify"}  # fmt: skip
    assert not any(name.startswith(("component_", "function_")) for name in shown | folded)
    assert not (WINDOW | {"impact_override", "expected_recovery_at"}) & (shown | folded)
    assert inputs == 7


def test_each_screen_is_named_for_its_kind(operator_client, components):
    assert "New scheduled maintenance" in operator_client.get(f"{ADD}?kind=maintenance").text
    assert "New announcement" in operator_client.get(f"{ADD}?kind=announcement").text
    listing = operator_client.get("/admin/status/incident/").text
    for kind in ("incident", "maintenance", "announcement"):
        assert f'href="{ADD}?kind={kind}"' in listing


def test_an_announcement_is_published_from_its_own_screen(operator_client, components):
    expires = timezone.now() + timedelta(days=3)
    response = operator_client.post(
        f"{ADD}?kind=announcement",
        {
            "kind": "announcement",
            "name_zh_hans": "新版本上线",
            "name_en": "New app version",
            **typed("expires_at", expires),
            "update_status": "identified",
            "message_zh_hans": "请更新到新版本。",
            "message_en": "Please update.",
            "notify": "on",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, errors_of(response)
    announcement = Incident.objects.get()
    assert (announcement.kind, announcement.status) == ("announcement", "identified")
    assert announcement.expires_at == expires.replace(microsecond=0)
    assert not announcement.components.exists()


def test_a_screen_takes_only_its_own_fields(operator_client, components):
    """An expiry posted to an incident's screen is not one of its fields: nothing of it is
    written (the incident opens without one)."""
    response = operator_client.post(
        f"{ADD}?kind=incident",
        {
            "kind": "incident",
            "name_zh_hans": "放款失败",
            "update_status": "investigating",
            "message_zh_hans": "放款失败。",
            **typed("expires_at", timezone.now() + timedelta(days=1)),
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, errors_of(response)
    assert Incident.objects.get().expires_at is None


@pytest.mark.parametrize("kind", ["nonsense", "<script>"])
def test_an_unknown_kind_is_refused_on_the_incident_s_screen(operator_client, components, kind):
    assert operator_client.get(f"{ADD}?kind={kind}").status_code == 200
    response = operator_client.post(
        f"{ADD}?kind={kind}",
        {"kind": kind, "name_zh_hans": "放款失败", "update_status": "investigating",
         "message_zh_hans": "放款失败。", "updates-TOTAL_FORMS": "0",
         "updates-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert not Incident.objects.exists()


def test_a_folded_field_with_an_error_is_shown_unfolded(operator_client, components):
    response = operator_client.post(
        ADD,
        {
            "kind": "incident",
            "name_zh_hans": "放款失败",
            "update_status": "investigating",
            "message_zh_hans": "放款失败。",
            "expected_recovery_at_0": "2020-01-01",
            "expected_recovery_at_1": "10:00",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "expected_recovery_at" in response.context["adminform"].form.errors
    shown = {field_of(name) for name, unfolded in form_controls(response.text) if unfolded}
    assert "expected_recovery_at" in shown
    assert not Incident.objects.exists()


def test_a_template_opens_its_kind_s_screen_filled_in(operator_client, components):
    template = IncidentTemplate.objects.create(
        name="Database upgrade",
        kind="maintenance",
        title_zh_hans="数据库升级",
        body_zh_hans="计划维护。",
        update_status="scheduled",
        component_status="under_maintenance",
    )
    template.components.add(components["credit"])
    response = operator_client.get(f"{ADD}?template={template.pk}")
    assert "New from the template “Database upgrade”" in response.text
    form = response.context["adminform"].form
    assert set(form.fields) >= WINDOW
    assert form.initial["name_zh_hans"] == "数据库升级"
    assert form.initial[f"component_{components['credit'].pk}"] == "under_maintenance"
    listing = operator_client.get("/admin/status/incident/").text
    assert f'href="{ADD}?template={template.pk}"' in listing
    front = operator_client.get("/admin/").text
    assert f'href="{ADD}?template={template.pk}"' in front
    assert f'href="{ADD}?kind=announcement"' in front


def test_editing_an_announcement_keeps_what_its_screen_does_not_show(
    operator_client, components, borrowing_function
):
    """An announcement's screen has no functions: saving it leaves their states as they are."""
    announcement = services.open_incident(
        Incident(kind="announcement", name_zh_hans="新版本上线",
                 function_states={borrowing_function.pk: "slow"}),
        body="请更新。",
    )  # fmt: skip
    response = operator_client.post(
        f"/admin/status/incident/{announcement.pk}/change/",
        change_form(announcement, name_en="New app version"),
    )
    assert response.status_code == 302, errors_of(response)
    announcement.refresh_from_db()
    assert announcement.name_en == "New app version"
    assert announcement.function_states == {borrowing_function.pk: "slow"}


# The close button.


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage(down={"disbursement": "major_outage", "limit": "degraded_performance"})


def resolve_url(incident: Incident) -> str:
    return f"/admin/status/incident/{incident.pk}/resolve/"


def test_an_open_incident_s_page_has_one_close_button(operator_client, outage):
    page = operator_client.get(f"/admin/status/incident/{outage.pk}/change/").text
    assert f'action="{resolve_url(outage)}"' in page
    assert "Resolve this incident" in page
    assert 'name="csrfmiddlewaretoken"' in page.split(resolve_url(outage), 1)[1][:400]


def test_the_button_resolves_through_the_service_and_says_so(operator_client, outage, components):
    response = operator_client.post(resolve_url(outage), follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/status/incident/{outage.pk}/change/"
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["“Disbursement failing” is resolved; its components are operational again."]
    outage.refresh_from_db()
    assert outage.status == "resolved"
    assert outage.resolved_at is not None
    latest = outage.updates.first()
    assert (latest.status, latest.author.username) == ("resolved", "olga")
    assert latest.body_en == "This incident has been resolved."
    for key in ("disbursement", "limit"):
        assert Component.objects.get(pk=components[key].pk).status == "operational"
    assert StatusChange.objects.filter(new_status="operational").count() == 2
    assert "Resolve this incident" not in response.text  # closed: no button


def test_a_maintenance_s_button_completes_it(operator_client, schedule_maintenance):
    window = schedule_maintenance("Credit system upgrade", timezone.now() + timedelta(days=1))
    page = operator_client.get(f"/admin/status/incident/{window.pk}/change/").text
    assert "Complete this maintenance" in page
    operator_client.post(resolve_url(window))
    window.refresh_from_db()
    assert window.status == "completed"


def test_resolving_twice_changes_nothing_the_second_time(operator_client, outage):
    operator_client.post(resolve_url(outage), follow=True)  # the first one's message read
    response = operator_client.post(resolve_url(outage), follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["This is already closed."]
    assert outage.updates.count() == 2


def test_a_get_does_not_resolve(operator_client, outage):
    assert operator_client.get(resolve_url(outage)).status_code == 405
    outage.refresh_from_db()
    assert outage.status == "investigating"


def test_only_operators_may_resolve_and_only_with_the_form_s_token(
    client, outsider, operator, outage
):
    assert "/admin/login/" in client.post(resolve_url(outage))["Location"]
    staff = Client()
    staff.force_login(outsider)
    assert staff.post(resolve_url(outage)).status_code == 403
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(operator)
    assert forged.post(resolve_url(outage)).status_code == 403
    assert operator_client_post_status(operator, outage) == 404
    outage.refresh_from_db()
    assert outage.status == "investigating"
    assert outage.updates.count() == 1


def operator_client_post_status(operator, outage: Incident) -> int:
    """An unknown incident: not found, nothing written."""
    client = Client()
    client.force_login(operator)
    return client.post(f"/admin/status/incident/{outage.pk}x/resolve/").status_code
