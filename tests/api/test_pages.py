"""Our one page through /v1/pages: read, and the few fields we keep changed."""

from __future__ import annotations

from statuspage.status.models import Page


def test_the_page_list_holds_our_page(api, page):
    (listed,) = api.get("/v1/pages").json()
    assert listed["id"] == page.id
    assert listed == api.get(f"/v1/pages/{page.id}").json()
    assert listed["time_zone"] == "Asia/Shanghai"
    assert listed["domain"] == "127.0.0.1:8000"


def test_patching_the_page_changes_name_zone_and_url(api, page, client):
    response = api.patch(
        f"/v1/pages/{page.id}",
        {
            "page": {
                "name": "借款服务状态",
                "time_zone": "Asia/Tokyo",
                "url": "https://lender.example",
                "branding": "premium",
            }
        },
    )
    assert response.status_code == 200
    stored = Page.objects.get()
    assert (stored.name_zh_hans, stored.time_zone, stored.homepage_url) == (
        "借款服务状态",
        "Asia/Tokyo",
        "https://lender.example",
    )
    assert client.get("/api/v2/status.json").json()["page"]["time_zone"] == "Asia/Tokyo"


def test_an_unknown_time_zone_is_refused(api, page):
    response = api.patch(f"/v1/pages/{page.id}", {"page": {"time_zone": "Mars/Olympus"}})
    assert response.status_code == 422
    assert "time_zone" in response.json()["errors"]
    assert Page.objects.get().time_zone == "Asia/Shanghai"
