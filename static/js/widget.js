// Status widget for the lender's own site: <script src="https://STATUS/widget.js" async></script>
// Shows a small banner only while something is wrong, in the visitor's language; nothing else.
// No dependencies, no cookies. Optional attributes: data-lang="en|zh-hans", data-refresh="60".
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.fetch) return;
  var src = new URL(me.src, location.href);
  var base = src.origin + src.pathname.replace(/widget\.js$/, "");
  var lang = me.getAttribute("data-lang");
  var url = base + (lang ? "widget." + lang + ".json" : "widget.json");
  var every = parseInt(me.getAttribute("data-refresh") || "60", 10);
  var colours = { minor: "#8a5a00", major: "#b54708", critical: "#b42318", maintenance: "#1f5fbf" };
  var box = null, closed = null;

  function add(parent, tag, text, css) {
    var el = document.createElement(tag);
    if (text) el.textContent = text;
    if (css) el.style.cssText = css;
    parent.appendChild(el);
    return el;
  }

  function when(iso, language) {
    try {
      return new Date(iso).toLocaleString(language, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    } catch (e) { return iso; }
  }

  // The structured notice, as on the page: channels are links and tap-to-call numbers.
  function notice(n, t, language, ink) {
    var link = "color:" + ink;
    if (n.cause) add(box, "div", n.cause);
    n.reassurances.forEach(function (text) { add(box, "div", "✓ " + text); });
    if (n.channels.length) {
      var line = add(box, "div", t.meanwhile + ": ", "font-weight:600");
      n.channels.forEach(function (c, i) {
        if (i) add(line, "span", " · ");
        var label = add(line, c.url ? "a" : "span", c.label, link);
        if (c.url) { label.href = c.url; label.rel = "noopener"; }
        if (c.tel) add(line, "a", " " + c.phone, link).href = c.tel;
      });
    }
    if (n.expected_recovery_at) {
      add(box, "div", t.expected + ": " + (n.expected_recovery_reassessing ? t.reassessing : when(n.expected_recovery_at, language)));
    }
    if (n.next_update_by) {
      add(box, "div", t.next_update + ": " + when(n.next_update_by, language) + (n.next_update_overdue ? " " + t.overdue : ""));
    }
  }

  function show(data) {
    var key = JSON.stringify(data.incidents) + data.status.indicator;
    if (box) { box.remove(); box = null; }
    me.setAttribute("data-state", data.ok ? "ok" : "shown");
    if (data.ok || key === closed) return;
    var t = data.text, first = data.incidents[0];
    // Colours and corner as the operator set them (status_embed_config); the old defaults if absent.
    var embed = data.embed || {};
    var impact = first ? first.impact : data.status.indicator;
    var look = (impact === "maintenance" ? embed.maintenance : embed.incident) || {};
    var ink = look.text || "#fff";
    var corner = (embed.position || "bottom-left").split("-");
    box = add(document.body, "div", "", "position:fixed;z-index:2147483647;left:12px;right:12px;" +
      (corner[0] === "top" ? "top:12px;" : "bottom:12px;") + "max-width:30rem;" +
      (corner[1] === "right" ? "margin:0 0 0 auto;" : "margin:0 auto 0 0;") +
      "padding:12px 40px 12px 14px;border-radius:8px;color:" + ink + ";font:14px/1.45 system-ui,sans-serif;box-shadow:0 2px 10px rgba(0,0,0,.3);" +
      "background:" + (look.background || colours[impact] || colours.major));
    box.className = "statuspage-widget";
    box.setAttribute("role", "status");
    box.setAttribute("lang", data.language);
    if (data.banner) add(box, "div", data.banner, "font-weight:600");
    add(box, "strong", first ? first.name : data.status.description, "display:block;font-size:15px");
    var affected = first ? first.components : data.affected;
    if (affected.length) add(box, "div", t.affects + " " + affected.join(t.and || ", "));
    if (first) notice(first, t, data.language, ink);
    var link = add(box, "a", t.details + " →", "color:" + ink + ";text-decoration:underline");
    link.href = first ? first.url : data.page.url;
    link.target = "_blank";
    link.rel = "noopener";
    var close = add(box, "button", "×", "position:absolute;top:6px;right:8px;border:0;background:none;color:" + ink + ";font-size:20px;cursor:pointer");
    close.setAttribute("aria-label", t.close);
    close.onclick = function () { closed = key; box.remove(); box = null; };
  }

  function load() {
    fetch(url, { credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(show)
      .catch(function () { me.setAttribute("data-state", "error"); });
  }

  function start() {
    load();
    if (every > 0) setInterval(load, every * 1000);
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
