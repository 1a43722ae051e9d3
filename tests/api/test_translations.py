"""/v1 texts per language: Statuspage's fields carry the page's default language (zh-hans here),
`translations` beside them the others, on the way in and on the way out."""

from __future__ import annotations

from statuspage.status.models import Incident, IncidentTemplate, IncidentUpdate

ZH = {"name": "放款失败", "body": "放款暂时失败。", "cause_note": "合作银行接口超时。"}
EN = {"name": "Disbursement failing", "body": "Payouts are failing.", "cause_note": "Bank slow."}


def create(api, components, **extra) -> dict:
    response = api.post(
        "incidents",
        {
            "incident": {
                **ZH,
                "translations": {"en": EN},
                "components": {components["disbursement"].id: "major_outage"},
                **extra,
            }
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_an_incident_is_created_in_both_languages_and_read_back_the_same_way(api, components):
    created = create(api, components)
    assert created["name"] == "放款失败"
    assert created["cause_note"] == "合作银行接口超时。"
    assert created["translations"] == {
        "en": {"name": "Disbursement failing", "cause_note": "Bank slow."}
    }
    [update] = created["incident_updates"]
    assert update["body"] == "放款暂时失败。"
    assert update["translations"] == {"en": {"body": "Payouts are failing."}}

    incident = Incident.objects.get(pk=created["id"])
    assert (incident.name_zh_hans, incident.name_en) == ("放款失败", "Disbursement failing")
    assert (incident.cause_note_zh_hans, incident.cause_note_en) == (
        "合作银行接口超时。",
        "Bank slow.",
    )
    stored = incident.updates.get()
    assert (stored.body_zh_hans, stored.body_en) == ("放款暂时失败。", "Payouts are failing.")

    read = api.get(f"incidents/{created['id']}").json()
    assert read["name"] == created["name"]
    assert read["translations"] == created["translations"]
    assert read["incident_updates"][0]["translations"] == update["translations"]


def test_a_statuspage_client_writes_the_default_language_and_english_falls_back(api, components):
    response = api.post("incidents", {"incident": {"name": "放款失败", "body": "放款暂时失败。"}})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["translations"] == {"en": {"name": None, "cause_note": None}}
    incident = Incident.objects.get(pk=created["id"])
    assert incident.name_zh_hans == "放款失败"
    assert not incident.name_en  # not copied: English follows the default until translated
    assert incident.name == "放款失败"  # read in English, it falls back to the default


def test_a_patch_changes_only_the_texts_it_gives(api, components):
    created = create(api, components)
    response = api.patch(
        f"incidents/{created['id']}",
        {"incident": {"translations": {"en": {"name": "Payouts failing", "cause_note": ""}}}},
    )
    assert response.status_code == 200, response.content
    patched = response.json()
    assert patched["name"] == "放款失败"
    assert patched["translations"] == {"en": {"name": "Payouts failing", "cause_note": None}}
    assert len(patched["incident_updates"]) == 1  # texts alone post no update

    response = api.patch(f"incidents/{created['id']}", {"incident": {"name": "放款延迟"}})
    assert response.json()["name"] == "放款延迟"
    assert response.json()["translations"]["en"]["name"] == "Payouts failing"


def test_a_patch_posts_an_update_in_both_languages(api, components):
    created = create(api, components)
    response = api.patch(
        f"incidents/{created['id']}",
        {
            "incident": {
                "status": "identified",
                "body": "已找到原因。",
                "translations": {"en": {"body": "Cause found."}},
            }
        },
    )
    assert response.status_code == 200, response.content
    latest = response.json()["incident_updates"][0]
    assert latest["body"] == "已找到原因。"
    assert latest["translations"] == {"en": {"body": "Cause found."}}


def test_a_status_change_without_a_message_posts_the_stock_message_in_each_language(
    api, components
):
    created = create(api, components)
    response = api.patch(f"incidents/{created['id']}", {"incident": {"status": "monitoring"}})
    latest = response.json()["incident_updates"][0]
    assert latest["body"] == "修复已完成，我们正在观察效果。"
    assert latest["translations"] == {
        "en": {"body": "A fix has been implemented and we are monitoring the results."}
    }


def test_an_update_is_corrected_in_one_language(api, components):
    created = create(api, components)
    update_id = created["incident_updates"][0]["id"]
    response = api.patch(
        f"incidents/{created['id']}/incident_updates/{update_id}",
        {"incident_update": {"translations": {"en": {"body": "Payouts fail for some."}}}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["body"] == "放款暂时失败。"
    assert response.json()["translations"] == {"en": {"body": "Payouts fail for some."}}
    stored = IncidentUpdate.objects.get(pk=update_id)
    assert (stored.body_zh_hans, stored.body_en) == ("放款暂时失败。", "Payouts fail for some.")


def test_a_template_takes_its_title_and_body_in_both_languages(api, components):
    response = api.post(
        "incident_templates",
        {
            "template": {
                "name": "Bank down",
                "title": "银行故障",
                "body": "合作银行故障。",
                "translations": {"en": {"title": "Bank down", "body": "Our bank is down."}},
                "reassurances": ["funds_safe"],
            }
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["title"], created["body"]) == ("银行故障", "合作银行故障。")
    assert created["translations"] == {
        "en": {"title": "Bank down", "body": "Our bank is down.", "cause_note": None}
    }
    assert created["reassurances"] == ["funds_safe"]
    template = IncidentTemplate.objects.get(pk=created["id"])
    assert (template.title_zh_hans, template.title_en) == ("银行故障", "Bank down")

    patched = api.patch(
        f"incident_templates/{created['id']}",
        {"template": {"translations": {"en": {"title": "Partner bank down"}}}},
    ).json()
    assert patched["title"] == "银行故障"
    assert patched["translations"]["en"]["title"] == "Partner bank down"
    assert api.get(f"incident_templates/{created['id']}").json() == patched


def test_q_finds_an_incident_by_its_text_in_any_language(api, components):
    created = create(api, components)
    assert [i["id"] for i in api.get("incidents", q="Payouts are").json()] == [created["id"]]
    assert [i["id"] for i in api.get("incidents", q="放款").json()] == [created["id"]]


def test_an_unknown_language_is_refused_on_updates_and_templates_too(api, components):
    created = create(api, components)
    update_id = created["incident_updates"][0]["id"]
    response = api.patch(
        f"incidents/{created['id']}/incident_updates/{update_id}",
        {"incident_update": {"translations": {"fr": {"body": "Panne."}}}},
    )
    assert response.status_code == 422
    assert "translations.fr" in response.json()["errors"]
    assert IncidentUpdate.objects.get(pk=update_id).body_en == "Payouts are failing."

    response = api.post(
        "incident_templates",
        {"template": {"name": "t", "title": "标题", "body": "正文", "translations": {"ja": {}}}},
    )
    assert response.status_code == 422
    assert "translations.ja" in response.json()["errors"]
    response = api.post(
        "incident_templates",
        {"template": {"name": "t", "title": "标题", "body": "正文",
                      "translations": {"en": {"name": "t"}}}},
    )  # fmt: skip
    assert response.status_code == 422
    assert "translations.en.name" in response.json()["errors"]  # a template's name is its own
    assert not IncidentTemplate.objects.exists()
