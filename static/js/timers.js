// Live elapsed timers on the chair board and the encounter page, computed in
// the browser from the server's figures: each fragment says when the server
// rendered it (data-server-now) and how many seconds each run had by then,
// pauses already left out. The browser adds the time since, measured against
// the server's clock (the offset is taken once, from the page as it loaded),
// so a tablet whose clock is off still shows the right minutes.
// No inline scripts anywhere (Content-Security-Policy).
"use strict";

(function () {
  let offset = null; // browser clock minus server clock, in milliseconds

  function format(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
    const s = String(seconds % 60).padStart(2, "0");
    return h + ":" + m + ":" + s;
  }

  function tick() {
    const now = Date.now();
    if (offset === null) {
      const anchor = document.querySelector("[data-server-now]");
      if (!anchor) return;
      offset = now - Date.parse(anchor.dataset.serverNow);
    }
    document.querySelectorAll(".elapsed[data-running-seconds]").forEach(function (el) {
      const source = el.closest("[data-server-now]");
      let seconds = parseInt(el.dataset.runningSeconds, 10) || 0;
      if (el.dataset.ticking === "1" && source) {
        const since = now - offset - Date.parse(source.dataset.serverNow);
        seconds += Math.max(0, Math.floor(since / 1000));
      }
      el.textContent = format(seconds);
      const expected = parseInt(el.dataset.expectedSeconds || "0", 10);
      const card = el.closest(".administration, .chair, .run-line") || el;
      // The loud marker: still running past the ordered run time, no stop.
      if (expected && el.dataset.ticking === "1" && seconds > expected) {
        card.classList.add("overdue");
        el.classList.add("overdue-timer");
        el.setAttribute("title", "Past its expected end and not stopped");
      }
    });
  }

  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
})();
