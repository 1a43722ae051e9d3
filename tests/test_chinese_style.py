"""The Chinese catalog reads as written by a Chinese company: 您, never 你; full-width punctuation
in Chinese text; placeholders kept; each language named in itself in the switcher.

What counts as a fault (`style_faults`):
- the character 你 anywhere in a translation (您 is the form we use);
- an ASCII comma, colon, semicolon, question mark, exclamation mark or parenthesis whose nearest
  non-blank neighbour on at least one side is Chinese (a CJK ideograph, CJK punctuation such as
  。or 、, or a full-width form such as ，or （);
- an ASCII full stop straight after a CJK ideograph ("完成." — "版本 1.2" and "%(name)s." are
  not faults).
Format placeholders (%(name)s, %d, %%, {type}), URLs and markup tags are masked before looking,
so "%(name)s：" or "https://example.com/?a=1" next to Chinese are not faults, and ASCII
punctuation between Latin text inside a Chinese string ("Authorization: OAuth") is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"
ZH_CATALOGS = sorted((LOCALE / "zh_Hans" / "LC_MESSAGES").glob("*.po"))

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Masked to a neutral letter before looking at punctuation: they are not prose.
NOT_PROSE = re.compile(
    r"%\([A-Za-z0-9_]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"  # %(name)s, %(n)05.2f
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]"  # %s, %d, %%
    r"|\{[A-Za-z0-9_]*\}"  # {type}
    r"|[a-z][a-z0-9+.-]*://\S+"  # URLs
    r"|<[^<>\n]+>"  # markup tags, <key>
)
ASCII_MARKS = ",:;?!()"
PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{[A-Za-z0-9_]*\}")


def _neighbour(text: str, index: int, step: int) -> str:
    index += step
    while 0 <= index < len(text) and text[index] in " \t":
        index += step
    return text[index] if 0 <= index < len(text) else ""


def style_faults(text: str) -> list[str]:
    """What in `text` (one translation) breaks the house style, each as a short description."""
    faults = []
    if "你" in text:
        faults.append("你 (write 您)")
    prose = NOT_PROSE.sub("x", text)
    for index, char in enumerate(prose):
        before, after = _neighbour(prose, index, -1), _neighbour(prose, index, +1)
        around = prose[max(0, index - 6) : index + 7]
        if char in ASCII_MARKS and (CJK.match(before) or CJK.match(after)):
            faults.append(f"ASCII {char!r} in Chinese text: …{around}…")
        elif char == "." and index and IDEOGRAPH.match(prose[index - 1]):
            faults.append(f"ASCII '.' after Chinese: …{around}…")
    return faults


def translations(entry: polib.POEntry) -> list[str]:
    return [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())


def catalog_entries() -> list[polib.POEntry]:
    return [
        entry
        for path in ZH_CATALOGS
        for entry in polib.pofile(str(path))
        if not entry.obsolete and entry.msgid
    ]


@pytest.mark.parametrize(
    "text",
    [
        "你的订阅",
        "影响:组件",
        "影响: 组件",
        "请稍后再试,谢谢",
        "历史事件 (Atom)",
        "确定吗?",
        "成功!",
        "第一步;第二步",
        "已完成.",
        "%(name)s:请检查",
        "请填写:%(name)s",
    ],
)
def test_it_flags_ascii_punctuation_next_to_chinese_and_the_familiar_you(text):
    assert style_faults(text)


@pytest.mark.parametrize(
    "text",
    [
        "您的订阅",
        "影响：组件",
        "历史事件（Atom）",
        "%(name)s：事件历史",
        "“%(id)s”是组件分组：请在 component-groups 下修改。",
        "请以请求头“Authorization: OAuth <key>”发送。",
        "请给出带时区的时间，例如 2026-03-01T02:00:00Z 或 2026-03-01T10:00:00+08:00。",
        "请访问 https://example.com/help?topic=1&a=(b) 查看",
        "停机时间按部分中断 30%% 计算。",
        "版本 1.2 已发布",
        "%(minutes)d 分钟",
        "API",
    ],
)
def test_it_leaves_placeholders_urls_markup_and_latin_text_alone(text):
    assert style_faults(text) == []


def test_there_is_a_chinese_catalog_to_check():
    assert ZH_CATALOGS
    assert len(catalog_entries()) > 100


def test_every_chinese_translation_follows_the_house_style():
    faults = {
        entry.msgid: found
        for entry in catalog_entries()
        for text in translations(entry)
        if (found := style_faults(text))
    }
    assert faults == {}


def test_every_translation_keeps_its_placeholders():
    changed = {
        entry.msgid: text
        for entry in catalog_entries()
        for text in translations(entry)
        if text
        and sorted(PLACEHOLDER.findall(text))
        != sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        and sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid))
    }
    assert changed == {}


def test_each_language_is_named_in_itself_in_every_language(db, client):
    assert dict(settings.LANGUAGES) == {"zh-hans": "简体中文", "en": "English"}
    for code in ("zh-hans", "en"):
        with translation.override(code):
            html = client.get("/", HTTP_ACCEPT_LANGUAGE=code).content.decode()
        names = re.findall(r'lang="([a-z-]+)"[^>]*>([^<]+)</a>', html)
        assert names == [("zh-hans", "简体中文"), ("en", "English")]
