"""Browsers ask every page for /favicon.ico unless it links an icon: it is answered, never a 404."""

from __future__ import annotations


def test_favicon_ico_leads_to_the_page_s_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"


def test_every_public_page_links_its_icon(client, components):
    for path in ("/", "/history", "/uptime", "/subscribe", "/nothing-here"):
        body = client.get(path).content.decode()
        assert 'rel="icon" href="/static/favicon.svg"' in body, path
