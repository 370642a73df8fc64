// The encounter page: after a tap, only the tapped card comes back, so the
// encounter's new version (sent in the HX-Trigger header, event
// "encounterVersion") is handed here to every other form on the page. Were
// this ever missed, the next tap would be refused as stale (409) and the whole
// current record shown: nothing is lost. No inline scripts (CSP).
"use strict";

(function () {
  document.body.addEventListener("encounterVersion", function (event) {
    const version = String(event.detail.version);
    const page = document.getElementById("encounter");
    if (!page) return;
    page.dataset.version = version;
    page.querySelectorAll('input[name="version"]').forEach(function (input) {
      input.value = version;
    });
  });
})();
