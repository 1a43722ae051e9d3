// Progressive enhancement only: the page is complete without this script.
// Adds the visitor's own local time beside times shown in the page's zone.
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
