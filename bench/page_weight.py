"""Page weight and first contentful paint of `/` on a slow phone, during an incident.

    CHROMIUM=/usr/bin/chromium .venv/bin/python bench/page_weight.py

Starts the service as `make run` does (demo data, which has an incident open; SQLite and the
embedded Redis unless DATABASE_URL/REDIS_URL are set), then loads `/` in Chinese and in English
in Chromium on a 390×844 phone with an empty cache, the CPU slowed down 4× and the network
throttled through the DevTools protocol (Network.emulateNetworkConditions,
Emulation.setCPUThrottlingRate), under two readings of "slow 4G":

- `lighthouse`: Lighthouse's mobile profile as specified: 150 ms round trip, 1,638.4 kbit/s
  down, 750 kbit/s up;
- `devtools`: what Lighthouse and DevTools' "Slow 4G" actually apply per request, the above
  with the round trip × 3.75 (562.5 ms, for the connection set-up per-request throttling does
  not model) and throughput × 0.9 (1,474.56 kbit/s down, 675 up).

Each load is measured five times; the median is reported. Bytes are what crossed the wire
(headers and compressed bodies, from the protocol's encodedDataLength), requests are every
request the page made. Results go to bench/results/page_weight.json (not committed).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from read_path import RESULTS, Service, fetch, free_port

PROFILES = {
    "lighthouse": {"latency": 150, "down_kbit": 1638.4, "up_kbit": 750},
    "devtools": {"latency": 562.5, "down_kbit": 1474.56, "up_kbit": 675},
}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
RUNS = int(os.environ.get("RUNS", 5))
TARGET_MS, TARGET_BYTES = 1000, 20 * 1024


def load(browser, url: str, locale: str, profile: dict) -> dict:
    context = browser.new_context(
        locale=locale, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    cdp = context.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": profile["latency"],
            "downloadThroughput": profile["down_kbit"] * 1000 / 8,
            "uploadThroughput": profile["up_kbit"] * 1000 / 8,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    tab.goto(url, wait_until="load")
    fcp = tab.evaluate(
        """() => new Promise(done => new PerformanceObserver(list => {
            const entry = list.getEntriesByName("first-contentful-paint")[0];
            if (entry) done(entry.startTime);
        }).observe({type: "paint", buffered: true}))"""
    )
    tab.wait_for_load_state("networkidle")  # late requests (the icon) are counted too
    context.close()
    return {
        "fcp_ms": round(fcp),
        "bytes": int(sum(sizes.values())),
        "requests": len(urls),
        "urls": sorted({u.split("?")[0].removeprefix(url.rstrip("/")) for u in urls.values()}),
    }


def main() -> None:
    chromium = shutil.which(os.environ.get("CHROMIUM", "chromium"))
    if chromium is None:
        sys.exit("Chromium is missing: apt-get install chromium (or set CHROMIUM)")
    service = Service(free_port())
    report: dict = {"runs": RUNS, "cpu_slowdown": 4, "profiles": PROFILES, "results": {}}
    try:
        unresolved = json.loads(fetch(service.url("/api/v2/incidents/unresolved.json"))[2])
        assert unresolved["incidents"], "the demo should have an incident open"
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for language, locale in LOCALES.items():
                load(browser, service.url("/"), locale, PROFILES["lighthouse"])  # warm caches
                for name, profile in PROFILES.items():
                    runs = [load(browser, service.url("/"), locale, profile) for _ in range(RUNS)]
                    result = {
                        "fcp_ms": statistics.median(r["fcp_ms"] for r in runs),
                        "fcp_ms_all": [r["fcp_ms"] for r in runs],
                        "bytes": statistics.median(r["bytes"] for r in runs),
                        "requests": statistics.median(r["requests"] for r in runs),
                        "urls": runs[0]["urls"],
                    }
                    report["results"][f"{language} {name}"] = result
                    print(
                        f"/ {language:8} {name:10} FCP {result['fcp_ms']:6.0f} ms "
                        f"{result['fcp_ms_all']}  {result['bytes'] / 1024:5.1f} KB "
                        f"{result['requests']:.0f} requests {result['urls']}",
                        flush=True,
                    )
            browser.close()
    finally:
        service.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "page_weight.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
