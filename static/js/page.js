// Progressive enhancement only: the page is complete without this script.
// Adds the visitor's own local time beside times shown in the page's zone, and opens the uptime
// bars' days by hover, tap and keyboard.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var pageOffset = null;
  var visitorOffset = -new Date().getTimezoneOffset();
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
  } catch (e) { return; }
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    if (el.dataset.style === "date") return;
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when)) return;
    // The page zone's offset at that moment, in minutes (the `when` template tag writes it).
    var offset = parseInt(el.dataset.offset, 10);
    if (isNaN(offset)) return;
    pageOffset = offset;
    if (when.getTimezoneOffset() === -offset) return;
    el.setAttribute("data-visitor", fmt.format(when) + " " + (document.body.dataset.yourTime || ""));
  });
  var note = document.querySelector("[data-visitor-zone]");
  if (note && pageOffset !== null && pageOffset !== visitorOffset) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      note.textContent = (document.body.dataset.yourZone || "") + " " + zone;
      note.hidden = false;
    } catch (e) { /* old browser: the page zone is enough */ }
  }
})();

// Uptime bars: a day's text opens on hover, on tap and with the arrow keys (the row is one
// focusable picture whose label is the whole sentence; the day's text goes to a live region).
(function () {
  "use strict";
  document.querySelectorAll(".bars").forEach(function (row) {
    var bars = row.querySelectorAll(".bar");
    var detail = row.parentNode.querySelector(".day-detail");
    if (!bars.length || !detail) return;
    var chosen = -1;
    row.setAttribute("data-ready", "");
    function choose(index) {
      if (chosen >= 0) bars[chosen].classList.remove("chosen");
      chosen = index;
      if (index < 0) { detail.textContent = ""; return; }
      bars[index].classList.add("chosen");
      detail.textContent = bars[index].getAttribute("data-tip");
    }
    function indexOf(target) { return Array.prototype.indexOf.call(bars, target); }
    row.addEventListener("mouseover", function (event) {
      var index = indexOf(event.target);
      if (index >= 0) choose(index);
    });
    row.addEventListener("mouseleave", function () { if (document.activeElement !== row) choose(-1); });
    row.addEventListener("click", function (event) {
      var index = indexOf(event.target);
      if (index >= 0) choose(index);  // a tap: touch screens have no hover
    });
    row.addEventListener("focus", function () { if (chosen < 0) choose(bars.length - 1); });
    row.addEventListener("blur", function () { choose(-1); });
    row.addEventListener("keydown", function (event) {
      var next = { ArrowLeft: chosen - 1, ArrowRight: chosen + 1, Home: 0, End: bars.length - 1 }[event.key];
      if (event.key === "Escape") { choose(-1); return; }
      if (next === undefined) return;
      event.preventDefault();
      choose(Math.max(0, Math.min(bars.length - 1, next)));
    });
  });
})();
