"use strict";
// Starts Swagger UI on /api/docs/ (templates/drf_spectacular/swagger_ui.html). A file rather
// than drf-spectacular's inline script, so the page's Content-Security-Policy can forbid inline
// script. The API authenticates with keys, not the session, so no CSRF header is added.
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    ...JSON.parse(root.dataset.settings || "{}"),
  });
})();
