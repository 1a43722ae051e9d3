"""Names and titles are one line: they go into email subjects, where a line break stops the
message (Django's BadHeaderError). The admin and the services refuse every line separator and
write nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from statuspage.status import services
from statuspage.status.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    Page,
    validate_single_line,
)
from tests.status.admin_forms import ADD, incident_form

SEPARATORS = ["\r", "\n", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("separator", SEPARATORS, ids=repr)
def test_every_line_separator_is_refused(separator):
    with pytest.raises(ValidationError):
        validate_single_line(f"Payouts failing{separator}Bcc: everyone@example.com")


def test_ordinary_names_in_either_language_pass():
    validate_single_line("Disbursement failing – 放款失败 (v2)\tnow")


def test_opening_an_incident_with_a_line_break_in_its_name_writes_nothing(components):
    with pytest.raises(ValidationError) as refused:
        services.open_incident(Incident(name="Payouts\nfailing"), body="Looking into it.")
    assert "name" in refused.value.message_dict
    assert not Incident.objects.exists()


def test_renaming_an_incident_onto_two_lines_is_refused(open_outage):
    incident = open_outage()
    with pytest.raises(ValidationError) as refused:
        services.edit_incident(incident, name="Payouts\u2028failing")
    assert "name" in refused.value.message_dict
    incident.refresh_from_db()
    assert "\u2028" not in incident.name


def test_each_language_of_a_translated_name_is_checked(components):
    component = components["disbursement"]
    component.name_en = "Disbursement\rNow"
    with pytest.raises(ValidationError) as refused:
        services.save_component(component)
    assert "name_en" in refused.value.message_dict
    page = Page.get()
    page.name_zh_hans = "借款\n状态"
    with pytest.raises(ValidationError) as refused:
        services.save_page(page)
    assert "name_zh_hans" in refused.value.message_dict
    group = ComponentGroup(name_en="Borrowing", name_zh_hans="借款\x85")
    with pytest.raises(ValidationError):
        services.save_group(group)
    assert Page.get().name_zh_hans != "借款\n状态"
    assert not ComponentGroup.objects.filter(pk=group.pk).exists()


def test_a_template_title_is_one_line(components):
    template = IncidentTemplate(name="Bank down", title="Payouts\r\ndelayed", body="Bank down.")
    with pytest.raises(ValidationError) as refused:
        services.save_template(template)
    assert "title" in refused.value.message_dict
    assert not IncidentTemplate.objects.exists()


def test_the_admin_incident_form_refuses_a_line_break(operator_client, components):
    response = operator_client.post(ADD, incident_form(name_en="Payouts\r\nBcc: x@example.com"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "without line breaks" in str(form.errors["name_en"])
    assert not Incident.objects.exists()


def test_the_admin_page_form_refuses_a_line_break_in_either_language(operator_client, db):
    page = Page.get()
    response = operator_client.post(
        f"/admin/status/page/{page.pk}/change/",
        {
            "name_en": "Status",
            "name_zh_hans": "借款\n状态",
            "time_zone": "Asia/Shanghai",
            "homepage_url": "",
        },
    )
    assert response.status_code == 200
    assert "name_zh_hans" in response.context["adminform"].form.errors
    assert Page.get().name_zh_hans != "借款\n状态"


def test_the_admin_component_form_refuses_a_line_break(operator_client, components):
    component = components["app"]
    response = operator_client.post(
        f"/admin/status/component/{component.pk}/change/",
        {
            "name_en": "App\u2029Bcc: x@example.com",
            "name_zh_hans": component.name_zh_hans,
            "description_en": "",
            "description_zh_hans": "",
            "group": component.group_id or "",
            "status": component.status,
            "position": component.position,
        },
    )
    assert response.status_code == 200
    assert "name_en" in response.context["adminform"].form.errors
    assert "\u2029" not in Component.objects.get(pk=component.pk).name_en
