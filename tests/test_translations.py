"""Both languages are complete, and the compiled catalogs match their sources."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def test_both_languages_have_catalogs():
    assert {p.parts[-3] for p in CATALOGS} == {"en", "zh_Hans"}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_message_is_translated(path):
    catalog = polib.pofile(str(path))
    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_the_compiled_catalog_matches_its_source(path):
    """.mo files are committed (a fresh machine has no gettext); they must not lag behind."""
    source = {
        (e.msgid, e.msgstr or tuple(e.msgstr_plural.values())) for e in polib.pofile(str(path))
    }
    compiled = {
        (e.msgid, e.msgstr or tuple(e.msgstr_plural.values()))
        for e in polib.mofile(str(path.with_suffix(".mo")))
        if e.msgid
    }
    assert compiled == source
