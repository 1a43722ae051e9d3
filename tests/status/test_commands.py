"""The management commands `make run` uses."""

from __future__ import annotations

import re
from io import StringIO

import phonenumbers
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone, translation
from modeltranslation.translator import translator

from statuspage.status import notice
from statuspage.status.models import (
    AlternativeChannel,
    Component,
    Function,
    FunctionState,
    Incident,
    IncidentTemplate,
    Page,
    Reassurance,
    StatusChange,
)

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# An English phrase: three Latin words in a row ("iOS 与安卓客户端" or "打开 App 的" are Chinese).
ENGLISH_PHRASE = re.compile(r"[A-Za-z]+(?:[ ,.;:'’-]+[A-Za-z]+){2,}")


def run(name: str, *args) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_the_demo_is_a_lending_service_in_both_languages(db):
    run("load_demo")
    names = set(Component.objects.values_list("name_en", flat=True))
    assert {
        "Identity verification",
        "Credit assessment",
        "Limit allocation",
        "Disbursement",
    } <= names
    assert {"App", "Mini-program", "Web"} <= names
    assert Component.objects.filter(name_zh_hans="放款").exists()
    assert Page.get().time_zone == "Asia/Shanghai"
    past = Incident.objects.get(kind="incident", status="resolved")
    assert past.updates.count() >= 3
    assert Incident.objects.get(kind="maintenance").status == "scheduled"
    assert StatusChange.objects.filter(component__name_en="Disbursement").count() == 3


def demo_texts() -> list[tuple[str, str, str]]:
    """(where, language, text) for every translated text the demo wrote."""
    found = []
    for model in translator.get_registered_models():
        fields = translator.get_options_for_model(model).fields
        for obj in model.objects.all():
            for field in fields:
                for code, column in (("zh-hans", f"{field}_zh_hans"), ("en", f"{field}_en")):
                    text = getattr(obj, column) or ""
                    found.append((f"{model.__name__}.{column} of {obj.pk}", code, text))
    return found


def test_the_demo_is_written_one_language_per_field(db):
    run("load_demo")
    texts = demo_texts()
    assert len(texts) > 50
    mixed = [
        (where, text)
        for where, code, text in texts
        if (code == "en" and CJK.search(text))
        or (code == "zh-hans" and ENGLISH_PHRASE.search(text))
    ]
    assert mixed == []
    # Every text a reader sees exists in both languages: nothing falls back to the other one.
    missing = [
        where
        for where, _code, text in texts
        if not text and not where.startswith(("IncidentUpdate", "Page.name"))
    ]
    assert missing == [], missing
    for template in IncidentTemplate.objects.all():  # an operator's name for it, one language
        assert not (CJK.search(template.name) and ENGLISH_PHRASE.search(template.name))


def test_the_test_for_mixed_languages_can_fail():
    bilingual = "部分用户放款到账延迟。\n\nSome disbursements are arriving late."
    assert CJK.search(bilingual) and ENGLISH_PHRASE.search(bilingual)
    assert not ENGLISH_PHRASE.search("打开 App 的「我的 → 身份验证」，iOS 与安卓客户端")


def test_the_demo_has_functions_built_on_its_components(db):
    run("load_demo")
    depends = {
        f.name_en: set(f.components.values_list("name_en", flat=True))
        for f in Function.objects.all()
    }
    assert depends == {
        "Borrowing": {
            "Identity verification",
            "Credit assessment",
            "Limit allocation",
            "Disbursement",
        },
        "Repayment": {"Repayment service"},
        "Limit increase": {"Identity verification", "Credit assessment", "Limit allocation"},
    }
    assert list(Function.objects.values_list("name_zh_hans", flat=True)) == ["借款", "还款", "提额"]


def test_the_demo_has_alternative_channels_to_tap(db):
    run("load_demo")
    channels = {c.label_en: c for c in AlternativeChannel.objects.all()}
    assert set(channels) == {"WeChat mini-program", "Customer service hotline", "Website"}
    assert channels["WeChat mini-program"].url.startswith("https://")
    assert channels["Website"].url.startswith("https://")
    hotline = channels["Customer service hotline"]
    assert phonenumbers.is_valid_number(hotline.phone)
    assert hotline.phone.as_e164 == "+864008208888"
    assert hotline.phone_display == "400 820 8888"
    assert hotline.tel_url == "tel:+86-400-820-8888"
    assert hotline.label_zh_hans == "客服热线"


def test_the_open_demo_incident_tells_a_borrower_what_to_do(db):
    run("load_demo")
    incident = Incident.objects.open().get(kind="incident")
    assert {c.label_en for c in incident.channels.all()} == {
        "WeChat mini-program",
        "Customer service hotline",
    }
    assert incident.reassurances == [Reassurance.NO_LATE_FEE, Reassurance.FUNDS_SAFE]
    assert incident.cause_note_zh_hans and incident.cause_note_en
    now = timezone.now()
    assert incident.expected_recovery_at > now
    assert incident.next_update_by is not None and incident.next_update_by > now
    with translation.override("zh-hans"):
        functions, notices = notice.open_notices()
        line = notice.banner_line(functions)
    states = {f.name: f.state for f in functions}
    assert states == {
        "借款": FunctionState.WORKS,
        "还款": FunctionState.UNAVAILABLE,
        "提额": FunctionState.WORKS,
    }
    assert line.startswith("还款")
    (shown,) = [n for n in notices if n.id == incident.pk]
    assert shown.title == "部分银行卡还款失败"
    assert [f.name for f in shown.functions] == ["还款"]
    assert [c.phone for c in shown.channels if c.phone] == ["400 820 8888"]
    assert not shown.recovery_overdue and not shown.next_update_overdue


def test_the_demo_loads_once(db):
    run("load_demo")
    models = (Component, Incident, Function, AlternativeChannel, IncidentTemplate, StatusChange)
    counts = [m.objects.count() for m in models]
    assert "nothing loaded" in run("load_demo")
    assert [m.objects.count() for m in models] == counts


def test_the_operator_login_is_created_once_and_its_password_printed_once(db, settings, tmp_path):
    settings.RUN_DIR = tmp_path
    first = run("ensure_operator")
    user = User.objects.get(username="operator")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="Operator").exists()
    password = first.split(" / ")[1].split()[0]
    assert user.check_password(password)
    second = run("ensure_operator")
    assert password not in second
    assert "operator" in second and "changepassword" in second
    assert User.objects.count() == 1
