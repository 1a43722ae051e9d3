"""The "everything is green but it does not work for me" section: operators write it, in both
languages; visitors read it on the page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from statuspage.status import services
from statuspage.status.models import SelfHelpTopic


@pytest.fixture
def frozen_limit(db, commit) -> SelfHelpTopic:
    return commit(
        services.save_self_help_topic,
        SelfHelpTopic(
            title_en="My limit is frozen",
            title_zh_hans="借款额度被冻结",
            body_en="Repay what is **overdue**; the limit comes back within 24 hours.",
            body_zh_hans="还清**逾期**款项后，额度会在 24 小时内恢复。",
        ),
    )


def test_visitors_see_the_topics_in_their_language(client, components, frozen_limit):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "it still does not work for you?" in english
    assert '<details class="topic">' in english  # each folds open without JavaScript
    assert "<summary>My limit is frozen</summary>" in english
    assert "Repay what is <strong>overdue</strong>" in english
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "<summary>借款额度被冻结</summary>" in chinese
    assert "还清<strong>逾期</strong>款项后" in chinese


def test_there_is_no_section_without_topics(client, components):
    assert "self-help" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_operator_edits_a_topic_and_the_page_changes_at_once(
    operator_client, client, components, frozen_limit, commit
):
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")  # cached now
    response = commit(
        operator_client.post,
        f"/admin/status/selfhelptopic/{frozen_limit.pk}/change/",
        {
            "title_zh_hans": "借款额度被冻结",
            "title_en": "My borrowing limit is frozen",
            "body_zh_hans": "联系客服。",
            "body_en": "Contact us under Help in the app.",
            "position": "0",
            "published": "on",
        },
    )
    assert response.status_code == 302
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<summary>My borrowing limit is frozen</summary>" in body
    assert "Contact us under Help in the app." in body


def test_an_unpublished_topic_is_hidden(client, components, frozen_limit, commit):
    frozen_limit.published = False
    commit(services.save_self_help_topic, frozen_limit)
    assert "My limit is frozen" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_topic_needs_a_title_and_what_to_do(db):
    with pytest.raises(ValidationError) as caught:
        services.save_self_help_topic(SelfHelpTopic(title_en="", body_en=""))
    assert {"title", "body"} <= set(caught.value.message_dict)
    assert not SelfHelpTopic.objects.exists()


def test_the_demo_seeds_the_three_account_reasons_in_both_languages(db):
    call_command("load_demo", verbosity=0)
    topics = list(SelfHelpTopic.objects.all())
    assert [t.title_en for t in topics] == [
        "My identity verification is not finished",
        "My credit is being re-evaluated",
        "My limit is frozen",
    ]
    assert all(t.title_zh_hans and t.body_zh_hans and t.body_en for t in topics)
    call_command("load_demo", verbosity=0)
    assert SelfHelpTopic.objects.count() == 3
