"""Hostile markdown renders as harmless HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from statuspage.lib.markup import render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<details open ontoggle=alert(1)>",
    '[x](https://example.com "title" onmouseover=alert(1))',
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


SAFE_TAGS = {"p", "br", "strong", "em", "a", "code", "pre", "ul", "ol", "li", "blockquote"}


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_cannot_run_script(source):
    for tag, attrs in Elements(render_markdown(source)).found:
        assert tag in SAFE_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            assert name in {"href", "title", "rel"}, name
            if name == "href":
                assert urlsplit(value or "").scheme in {"http", "https", "mailto", "tel", ""}, value


def test_ordinary_markdown_survives():
    html = render_markdown("**Bold** and _em_\n\n- one\n- two\n\n[status](https://example.com)")
    assert "<strong>Bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">status</a>' in html


def test_line_breaks_are_kept_as_operators_type_them():
    assert "<br" in render_markdown("line one\nline two")


def test_raw_html_is_shown_as_text_not_dropped():
    assert "&lt;b&gt;" in render_markdown("<b>not bold</b>")
