// Progressive enhancement: how long ago the page changed, and whether this copy may be stale.
// The page carries its publication time (data-published-at). A published copy (object storage,
// a CDN) also has /version.json, whose checked_at the publisher moves on every minute while it
// is alive; once that is older than stale_after_seconds, the copy says it may be out of date.
// Served by the application itself (or nginx beside it) the page is live: it asks nothing.
(function () {
  "use strict";
  var stamp = document.querySelector("[data-published-at]");
  if (!stamp) return;
  var published = Date.parse(stamp.getAttribute("data-published-at"));
  if (isNaN(published)) return;
  var notice = document.querySelector("[data-stale-notice]");
  var checked = null;
  var staleAfter = null;

  function text(name, n) {
    return (stamp.getAttribute("data-" + name) || "").replace("{n}", String(n));
  }

  function ago(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 1) return text("just-now");
    if (minutes === 1) return text("minute");
    if (minutes < 120) return text("minutes", minutes);
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return text("hours", hours);
    return text("days", Math.floor(hours / 24));
  }

  function show() {
    var now = Date.now();
    stamp.textContent = ago(Math.max(0, now - published));
    stamp.hidden = false;
    if (!notice || checked === null || staleAfter === null) return;
    var unconfirmed = now - Math.max(checked, published);
    if (unconfirmed > staleAfter * 1000) {
      notice.textContent = text("stale", Math.floor(unconfirmed / 60000));
      notice.style.border = "2px solid #b54708";
      notice.style.padding = "0.5em 0.75em";
      notice.style.background = "#fff4e5";
      notice.hidden = false;
    } else {
      notice.hidden = true;
    }
  }

  function poll() {
    if (!window.fetch) return show();
    fetch("/version.json", { cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (manifest) {
        if (manifest && manifest.checked_at && manifest.stale_after_seconds) {
          var at = Date.parse(manifest.checked_at);
          if (!isNaN(at)) {
            checked = at;
            staleAfter = Number(manifest.stale_after_seconds);
          }
        }
        show();
      })
      // Unreachable (offline, or the store itself is down): keep what we knew, time runs on.
      .catch(show);
  }

  show();
  setInterval(show, 30000);
  // Only an off-site copy (marked by the publisher) has a manifest to ask.
  if (stamp.hasAttribute("data-published-copy")) {
    poll();
    setInterval(poll, 60000);
  }
})();
